package dev.retention.junit;

import dev.retention.eval.ChatTemplateSetting;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.internal.ScorecardCache;
import dev.retention.model.ChatTemplate;
import dev.retention.model.CausalLm;
import dev.retention.model.internal.Devices;
import dev.retention.model.ModelLoadException;
import dev.retention.model.ModelOptions;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The extension's configuration, read once per test run from JUnit configuration parameters:
 * Surefire {@code <configurationParameters>}, then JVM system properties ({@code -Dkey=value}),
 * then {@code junit-platform.properties}. Invalid or empty values fail the run with the key named, as JUnit's
 * {@link ExtensionConfigurationException}.
 *
 * The keys, their defaults and meanings are documented on {@link RetentionKeys}.
 */
record RetentionConfig(String device, int batchSize, String promptTemplate, boolean addBosToken,
                       OptionalInt contextLength, ScorecardCache.Mode cacheMode, Path cacheDir, Path reportDir,
                       Duration progressInterval, boolean recordBaseline, ModelOptions.Serving serving,
                       Function<String, Optional<String>> lookup, ChatTemplateSetting chatTemplate,
                       Optional<String> systemMessage) {

    static RetentionConfig read(Function<String, Optional<String>> configured) {
        Function<String, Optional<String>> lookup = key -> configured.apply(key).map(v -> {
            if (v.isBlank()) {
                throw new ExtensionConfigurationException(
                        "configuration parameter " + key + " is set but empty (e.g. -D"
                        + key + "= on the command line); give it a value or remove it: Retention does not guess "
                        + "what an empty value means (an empty path would be the working directory)");
            }
            return v;
        });
        String device = lookup.apply(RetentionKeys.DEVICE).orElse("auto");
        try {
            Devices.parse(device);
        } catch (IllegalArgumentException e) {
            throw invalid(RetentionKeys.DEVICE, device, "auto, cpu, gpu or gpu:N");
        }
        int batch = positive(lookup, RetentionKeys.BATCH_SIZE, 16);
        String template = lookup.apply(RetentionKeys.PROMPT_TEMPLATE).orElse(EvalConfig.PROMPT);
        if (!template.contains(EvalConfig.PROMPT)) {
            throw invalid(RetentionKeys.PROMPT_TEMPLATE, template, "a template containing " + EvalConfig.PROMPT);
        }
        ChatTemplateSetting chat = chatTemplate(lookup);
        Optional<String> system = lookup.apply(RetentionKeys.CHAT_TEMPLATE_SYSTEM);
        OptionalInt ctx = lookup.apply(RetentionKeys.CONTEXT_LENGTH).isPresent()
                ? OptionalInt.of(positive(lookup, RetentionKeys.CONTEXT_LENGTH, 0)) : OptionalInt.empty();
        ScorecardCache.Mode mode;
        String m = lookup.apply(RetentionKeys.CACHE_MODE).orElse("read-write");
        try {
            mode = ScorecardCache.Mode.parse(m);
        } catch (IllegalArgumentException e) {
            throw invalid(RetentionKeys.CACHE_MODE, m, "read-write, read-only, refresh or off");
        }
        Path cacheDir = lookup.apply(RetentionKeys.CACHE_DIR).map(Paths::get).orElse(ScorecardCache.defaultDirectory());
        Path reportDir = Paths.get(lookup.apply(RetentionKeys.REPORT_DIR).orElse("target/retention"));
        int progress = positive(lookup, RetentionKeys.PROGRESS_SECONDS, 5);
        return new RetentionConfig(device, batch, template, bool(lookup, RetentionKeys.ADD_BOS_TOKEN), ctx, mode, cacheDir,
                reportDir, Duration.ofSeconds(progress), bool(lookup, RetentionKeys.BASELINE_RECORD), serving(lookup),
                lookup, chat, system);
    }

    /** {@code retention.chatTemplate}: auto, none, or a template path that is read now, so a bad one fails the run. */
    private static ChatTemplateSetting chatTemplate(Function<String, Optional<String>> lookup) {
        String key = RetentionKeys.CHAT_TEMPLATE;
        Optional<String> v = lookup.apply(key);
        if (v.isEmpty()) {
            return ChatTemplateSetting.auto();
        }
        ChatTemplateSetting s = ChatTemplateSetting.parse(v.get());
        if (s.kind() == ChatTemplateSetting.Kind.FILE) {
            try {
                ChatTemplate.load(s.path().orElseThrow());
            } catch (ModelLoadException e) {
                throw new ExtensionConfigurationException("configuration parameter " + key + " = '" + v.get() + "' is "
                        + "invalid (expected auto, none or a chat template path): " + e.getMessage(), e);
            }
        }
        return s;
    }

    /** The {@code retention.serving.*} keys, over {@link ModelOptions.Serving#defaults()}. */
    private static ModelOptions.Serving serving(Function<String, Optional<String>> lookup) {
        ModelOptions.Serving d = ModelOptions.Serving.defaults();
        Optional<String> keyVariable = lookup.apply(RetentionKeys.SERVING_API_KEY_ENV).map(String::trim);
        if (keyVariable.isPresent() && !keyVariable.get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            // The value is not quoted: it may be the key itself, pasted where its variable's name belongs.
            throw new ExtensionConfigurationException(
                    "configuration parameter retention.serving.apiKeyEnv is not the name of "
                    + "an environment variable (" + keyVariable.get().length() + " characters); give the NAME of the "
                    + "variable that holds the API key, e.g. -Dretention.serving.apiKeyEnv=VLLM_API_KEY, never the key");
        }
        Duration timeout = d.timeout();
        Optional<String> seconds = lookup.apply(RetentionKeys.SERVING_TIMEOUT);
        if (seconds.isPresent()) {
            try {
                timeout = Duration.ofSeconds(positive(lookup, RetentionKeys.SERVING_TIMEOUT, 0));
            } catch (ExtensionConfigurationException e) {
                throw invalid(RetentionKeys.SERVING_TIMEOUT, seconds.get(), "a positive whole number of seconds per "
                        + "request, e.g. 300");
            }
        }
        int concurrency = positive(lookup, RetentionKeys.SERVING_CONCURRENCY, d.concurrency());
        int retries = d.maxRetries();
        Optional<String> r = lookup.apply(RetentionKeys.SERVING_MAX_RETRIES);
        if (r.isPresent()) {
            try {
                retries = Integer.parseInt(r.get().trim());
            } catch (NumberFormatException e) {
                retries = -1;
            }
            if (retries < 0) {
                throw invalid(RetentionKeys.SERVING_MAX_RETRIES, r.get(), "0 or a positive integer");
            }
        }
        double tolerance = d.selfCheckTolerance();
        Optional<String> t = lookup.apply(RetentionKeys.SERVING_SELF_CHECK_TOLERANCE);
        if (t.isPresent()) {
            try {
                tolerance = Double.parseDouble(t.get().trim());
            } catch (NumberFormatException e) {
                tolerance = Double.NaN;
            }
            if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
                throw invalid(RetentionKeys.SERVING_SELF_CHECK_TOLERANCE, t.get(), "a positive number of nats per token, "
                        + "e.g. 1e-3 for a float32 server or 0.25 for a bfloat16 one");
            }
        }
        return new ModelOptions.Serving(keyVariable, timeout, concurrency, retries,
                lookup.apply(RetentionKeys.SERVING_REVISION).map(String::trim), tolerance);
    }

    EvalConfig evalConfig() {
        return new EvalConfig(batchSize, promptTemplate, ProgressListener.toStandardError(), progressInterval,
                chatTemplate, systemMessage);
    }

    ModelOptions modelOptions() {
        ModelOptions o = ModelOptions.defaults().withDevice(device).withAddBosToken(addBosToken).withServing(serving);
        return contextLength.isPresent() ? o.withContextLength(contextLength.getAsInt()) : o;
    }

    /**
     * The options of the model the key {@code role} ({@code retention.tuned}, ...) names at {@code locator}: for a
     * served model, with its local tokenizer directory from {@code <role>.tokenizer}, which it needs.
     */
    ModelOptions modelOptions(String role, String locator) {
        String key = role + RetentionKeys.TOKENIZER_SUFFIX;
        Optional<String> tokenizer = lookup.apply(key);
        if (!CausalLm.namesServedModel(locator)) {
            if (tokenizer.isPresent()) {
                throw new ExtensionConfigurationException(
                        "configuration parameter " + key + " is set, but " + role + " is "
                        + "the model directory " + locator + ", which has its own tokenizer.json; " + key + " is for "
                        + "models on a serving engine (http://host:port/v1#name): remove it");
            }
            return modelOptions();
        }
        Path dir = Paths.get(tokenizer.orElseThrow(() -> new ExtensionConfigurationException(
                role + " is the served model "
                + locator + ": set " + key + " to the local directory holding its tokenizer.json (and "
                + "tokenizer_config.json), e.g. -D" + key + "=/models/my-model; Retention builds token-id prompts "
                + "with it, so context and continuation boundaries are exact")));
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new ExtensionConfigurationException("configuration parameter " + key + " = '" + dir + "' is invalid; "
                    + "expected a directory holding tokenizer.json (the served model's own, as in its Hugging Face "
                    + "folder), but there is no " + dir.toAbsolutePath().normalize().resolve("tokenizer.json"));
        }
        return modelOptions().withTokenizer(dir.toAbsolutePath().normalize());
    }

    /** Serving settings for the report: what was configured, never an API key (only its variable's name). */
    String servingSummary() {
        return "timeout " + serving.timeout().toSeconds() + " s, concurrency " + serving.concurrency() + ", "
                + serving.maxRetries() + " retries, self-check tolerance " + serving.selfCheckTolerance()
                + serving.apiKeyVariable().map(v -> ", API key from $" + v).orElse(", no API key")
                + serving.revision().map(v -> ", revision " + v).orElse("");
    }

    /** A path key: the configured value, else the annotation's, else empty. */
    Optional<String> path(String key, String annotationValue) {
        return lookup.apply(key).or(() -> annotationValue.isBlank() ? Optional.empty() : Optional.of(annotationValue));
    }

    /** A list key (comma-separated): the configured value, else the annotation's. */
    List<String> list(String key, String[] annotationValues) {
        return lookup.apply(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList()).orElse(List.of(annotationValues));
    }

    private static int positive(Function<String, Optional<String>> lookup, String key, int dflt) {
        Optional<String> v = lookup.apply(key);
        if (v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw invalid(key, v.get(), "a positive integer");
    }

    private static boolean bool(Function<String, Optional<String>> lookup, String key) {
        String v = lookup.apply(key).orElse("false").trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw invalid(key, v, "true or false");
    }

    private static ExtensionConfigurationException invalid(String key, String value, String expected) {
        return new ExtensionConfigurationException(
                "configuration parameter " + key + " = '" + value + "' is invalid; expected "
                + expected);
    }
}
