package dev.retention.model;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How to load a model directory.
 *
 * @param device where to place the model: {@code auto} (first GPU if the engine reports one, else
 *     CPU), {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param contextLength overrides the context window read from config.json / tokenizer_config.json
 * @param addBosToken prepend BOS to every encoded text (lm-evaluation-harness {@code add_bos_token};
 *     off by default, as there)
 * @param base for a PEFT adapter directory: the base model's directory, when the adapter's
 *     {@code base_model_name_or_path} names no local folder (a hub name, say)
 */
public record ModelOptions(String device, OptionalInt contextLength, boolean addBosToken, Optional<Path> base) {

    public ModelOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(contextLength, "contextLength");
        Objects.requireNonNull(base, "base");
        Devices.parse(device);
        contextLength.ifPresent(n -> {
            if (n < 2) {
                throw new IllegalArgumentException("contextLength must be at least 2, got " + n);
            }
        });
    }

    /** Defaults: {@code auto} device, context length from the model's config, no BOS prepended. */
    public static ModelOptions defaults() {
        return new ModelOptions("auto", OptionalInt.empty(), false, Optional.empty());
    }

    public ModelOptions withDevice(String newDevice) {
        return new ModelOptions(newDevice, contextLength, addBosToken, base);
    }

    public ModelOptions withContextLength(int tokens) {
        return new ModelOptions(device, OptionalInt.of(tokens), addBosToken, base);
    }

    public ModelOptions withAddBosToken(boolean add) {
        return new ModelOptions(device, contextLength, add, base);
    }

    /** The base model of a PEFT adapter directory (used only when loading an adapter). */
    public ModelOptions withBase(Path baseDirectory) {
        return new ModelOptions(device, contextLength, addBosToken, Optional.of(baseDirectory));
    }

    ModelOptions withoutBase() {
        return new ModelOptions(device, contextLength, addBosToken, Optional.empty());
    }
}
