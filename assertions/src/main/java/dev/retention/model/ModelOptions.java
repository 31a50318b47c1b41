package dev.retention.model;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How to load a model directory.
 *
 * @param device where to place the model: {@code auto} (first GPU if the engine reports one, else
 *     CPU), {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param contextLength overrides the context window read from config.json / tokenizer_config.json
 * @param addBosToken prepend BOS to every encoded text (lm-evaluation-harness {@code add_bos_token};
 *     off by default, as there)
 */
public record ModelOptions(String device, OptionalInt contextLength, boolean addBosToken) {

    public ModelOptions {
        Objects.requireNonNull(device, "device");
        Devices.parse(device);
        contextLength.ifPresent(n -> {
            if (n < 2) {
                throw new IllegalArgumentException("contextLength must be at least 2, got " + n);
            }
        });
    }

    /** Defaults: {@code auto} device, context length from the model's config, no BOS prepended. */
    public static ModelOptions defaults() {
        return new ModelOptions("auto", OptionalInt.empty(), false);
    }

    public ModelOptions withDevice(String newDevice) {
        return new ModelOptions(newDevice, contextLength, addBosToken);
    }

    public ModelOptions withContextLength(int tokens) {
        return new ModelOptions(device, OptionalInt.of(tokens), addBosToken);
    }

    public ModelOptions withAddBosToken(boolean add) {
        return new ModelOptions(device, contextLength, add);
    }
}
