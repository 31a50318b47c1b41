package dev.retention.model;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import dev.retention.model.internal.Devices;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * How to load a model. Immutable: start from {@link #defaults()} and change one setting at a time with the
 * {@code with...} methods, each of which returns a new instance.
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
 * @since 0.1
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

        /**
         * Checks the settings.
         *
         * @param apiKeyVariable the name of the environment variable holding the API key, or empty for none
         * @param timeout the time allowed for one request, positive
         * @param concurrency the most requests in flight at once, at least 1
         * @param maxRetries the most retries of one request, at least 0
         * @param revision the pinned revision string, or empty
         * @param selfCheckTolerance the self-check's per-token tolerance, positive
         * @throws NullPointerException naming {@code apiKeyVariable}, {@code timeout} or {@code revision} when it
         *     is {@code null}
         * @throws IllegalArgumentException when {@code timeout} is zero or negative, {@code concurrency} is below
         *     1, {@code maxRetries} is negative or {@code selfCheckTolerance} is not a positive number
         */
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

        /**
         * No API key, 300 s per request, 8 in flight, 4 retries, no pinned revision, float32 tolerance.
         *
         * @return the default serving settings, with a self-check tolerance of 1e-3
         */
        public static Serving defaults() {
            return new Serving(Optional.empty(), Duration.ofSeconds(300), 8, 4, Optional.empty(),
                    ServerSelfCheck.FLOAT32_TOLERANCE);
        }
    }

    /**
     * Checks the options.
     *
     * @param device the device name, validated here
     * @param contextLength the context window override, at least 2 when present
     * @param addBosToken whether to prepend BOS
     * @param base the base directory for an adapter, or empty
     * @param tokenizer the tokenizer directory for a served model, or empty
     * @param serving the serving settings
     * @throws NullPointerException naming the component when {@code device}, {@code contextLength},
     *     {@code base}, {@code tokenizer} or {@code serving} is {@code null}
     * @throws IllegalArgumentException when {@code device} is not {@code auto}, {@code cpu}, {@code gpu} or
     *     {@code gpu:N} (any case, surrounding blanks ignored), or {@code contextLength} is below 2
     */
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

    /**
     * Defaults: {@code auto} device, context length from the model's config, no BOS prepended.
     *
     * @return options with no adapter base, no tokenizer directory and {@link Serving#defaults()}
     */
    public static ModelOptions defaults() {
        return new ModelOptions("auto", OptionalInt.empty(), false, Optional.empty(), Optional.empty(),
                Serving.defaults());
    }

    /**
     * These options with another device. The name is checked now; whether a requested GPU exists is checked
     * when a model is loaded.
     *
     * @param newDevice {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}, kept as written
     * @return new options; these are unchanged
     * @throws IllegalArgumentException naming the accepted forms when {@code newDevice} is none of them
     */
    public ModelOptions withDevice(String newDevice) {
        return new ModelOptions(newDevice, contextLength, addBosToken, base, tokenizer, serving);
    }

    /**
     * These options with a fixed context window, overriding the one the model's files (or the serving engine)
     * declare.
     *
     * @param tokens the context window in tokens, at least 2; for a served model at most its
     *     {@code max_model_len - 2}, checked when it is loaded
     * @return new options; these are unchanged
     * @throws IllegalArgumentException when {@code tokens} is below 2
     */
    public ModelOptions withContextLength(int tokens) {
        return new ModelOptions(device, OptionalInt.of(tokens), addBosToken, base, tokenizer, serving);
    }

    /**
     * These options with BOS prepended to every encoded text, or not (lm-evaluation-harness
     * {@code add_bos_token}). A model that declares no BOS token then fails to load.
     *
     * @param add whether to prepend the model's BOS token
     * @return new options; these are unchanged
     */
    public ModelOptions withAddBosToken(boolean add) {
        return new ModelOptions(device, contextLength, add, base, tokenizer, serving);
    }

    /**
     * The base model of a PEFT adapter directory (used only when loading an adapter). It takes precedence over
     * the adapter's own {@code base_model_name_or_path}.
     *
     * @param baseDirectory the base model's directory (made absolute when the adapter is loaded)
     * @return new options; these are unchanged
     */
    public ModelOptions withBase(Path baseDirectory) {
        return new ModelOptions(device, contextLength, addBosToken, Optional.of(baseDirectory), tokenizer, serving);
    }

    /**
     * The local tokenizer directory of a served model (used only for models on a serving engine).
     *
     * @param tokenizerDirectory the directory holding the served model's {@code tokenizer.json} (and
     *     {@code tokenizer_config.json})
     * @return new options; these are unchanged
     */
    public ModelOptions withTokenizer(Path tokenizerDirectory) {
        return new ModelOptions(device, contextLength, addBosToken, base, Optional.of(tokenizerDirectory), serving);
    }

    /**
     * How to talk to a serving engine (used only for served models).
     *
     * @param settings the serving settings, replacing the current ones
     * @return new options; these are unchanged
     */
    public ModelOptions withServing(Serving settings) {
        return new ModelOptions(device, contextLength, addBosToken, base, tokenizer, settings);
    }

    ModelOptions withoutBase() {
        return new ModelOptions(device, contextLength, addBosToken, Optional.empty(), tokenizer, serving);
    }
}
