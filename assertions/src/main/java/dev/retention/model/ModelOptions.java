package dev.retention.model;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * How to load a model.
 *
 * @param device where to place the model: {@code auto} (first GPU if the engine reports one, else
 *     CPU), {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param contextLength overrides the context window read from config.json / tokenizer_config.json (for a
 *     served model: from the server's {@code max_model_len})
 * @param addBosToken prepend BOS to every encoded text (lm-evaluation-harness {@code add_bos_token};
 *     off by default, as there)
 * @param base for a PEFT adapter directory: the base model's directory, when the adapter's
 *     {@code base_model_name_or_path} names no local folder (a hub name, say)
 * @param tokenizer for a served model: the local directory with its {@code tokenizer.json} (and
 *     {@code tokenizer_config.json}), from which Retention builds token-id prompts
 * @param serving how to talk to a serving engine
 */
@API(status = STABLE, since = "0.1")
public record ModelOptions(String device, OptionalInt contextLength, boolean addBosToken, Optional<Path> base,
                           Optional<Path> tokenizer, Serving serving) {

    /**
     * Settings for a model on an OpenAI-compatible serving engine.
     *
     * @param apiKeyVariable the NAME of the environment variable holding the API key (the key itself is
     *     never printed, logged or stored)
     * @param timeout per request
     * @param concurrency requests in flight at once
     * @param maxRetries retries of a request after a 429, a 5xx, a connection error or a timeout
     * @param revision a revision string the user pins (part of the model's identity in caches)
     * @param selfCheckTolerance per-token agreement the server must show between its prompt scores and its
     *     generation log-probabilities: 1e-3 for float32 servers, 0.25 for bfloat16 ones
     */
    @API(status = EXPERIMENTAL, since = "0.1")
    public record Serving(Optional<String> apiKeyVariable, Duration timeout, int concurrency, int maxRetries,
                          Optional<String> revision, double selfCheckTolerance) {

        public Serving {
            Objects.requireNonNull(apiKeyVariable, "apiKeyVariable");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(revision, "revision");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the serving timeout must be positive, got " + timeout);
            }
            if (concurrency < 1 || maxRetries < 0) {
                throw new IllegalArgumentException("serving concurrency must be at least 1 and retries at least 0, got "
                        + concurrency + " and " + maxRetries);
            }
            if (!(selfCheckTolerance > 0)) {
                throw new IllegalArgumentException("the self-check tolerance must be positive, got " + selfCheckTolerance);
            }
        }

        /** No API key, 300 s per request, 8 in flight, 4 retries, no pinned revision, float32 tolerance. */
        public static Serving defaults() {
            return new Serving(Optional.empty(), Duration.ofSeconds(300), 8, 4, Optional.empty(),
                    ServerSelfCheck.FLOAT32_TOLERANCE);
        }
    }

    public ModelOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(contextLength, "contextLength");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(serving, "serving");
        Devices.parse(device);
        contextLength.ifPresent(n -> {
            if (n < 2) {
                throw new IllegalArgumentException("contextLength must be at least 2, got " + n);
            }
        });
    }

    /** Defaults: {@code auto} device, context length from the model's config, no BOS prepended. */
    public static ModelOptions defaults() {
        return new ModelOptions("auto", OptionalInt.empty(), false, Optional.empty(), Optional.empty(),
                Serving.defaults());
    }

    public ModelOptions withDevice(String newDevice) {
        return new ModelOptions(newDevice, contextLength, addBosToken, base, tokenizer, serving);
    }

    public ModelOptions withContextLength(int tokens) {
        return new ModelOptions(device, OptionalInt.of(tokens), addBosToken, base, tokenizer, serving);
    }

    public ModelOptions withAddBosToken(boolean add) {
        return new ModelOptions(device, contextLength, add, base, tokenizer, serving);
    }

    /** The base model of a PEFT adapter directory (used only when loading an adapter). */
    public ModelOptions withBase(Path baseDirectory) {
        return new ModelOptions(device, contextLength, addBosToken, Optional.of(baseDirectory), tokenizer, serving);
    }

    /** The local tokenizer directory of a served model (used only for models on a serving engine). */
    public ModelOptions withTokenizer(Path tokenizerDirectory) {
        return new ModelOptions(device, contextLength, addBosToken, base, Optional.of(tokenizerDirectory), serving);
    }

    /** How to talk to a serving engine (used only for served models). */
    public ModelOptions withServing(Serving settings) {
        return new ModelOptions(device, contextLength, addBosToken, base, tokenizer, settings);
    }

    ModelOptions withoutBase() {
        return new ModelOptions(device, contextLength, addBosToken, Optional.empty(), tokenizer, serving);
    }
}
