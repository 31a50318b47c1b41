package dev.retention.junit;

import dev.retention.eval.ChatTemplateSetting;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.ScorecardCache;
import dev.retention.model.ChatTemplate;
import dev.retention.model.CausalLm;
import dev.retention.model.Devices;
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
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code retention.baseline}</td><td>{@code @RetentionTest(baseline)}</td><td>baseline model directory, a PEFT
 *       adapter directory, or a served model {@code http://host:port/v1#name}</td></tr>
 *   <tr><td>{@code retention.tuned}</td><td>{@code @RetentionTest(tuned)}</td><td>tuned model directory, a PEFT
 *       adapter directory, or a served model</td></tr>
 *   <tr><td>{@code retention.model.<name>}</td><td>{@code @NamedModel(path)}</td><td>directory of a named model, a PEFT
 *       adapter directory, or a served model</td></tr>
 *   <tr><td>{@code retention.tuned.base}, {@code retention.baseline.base}, {@code retention.model.<name>.base}</td>
 *       <td>the local folder the adapter's {@code base_model_name_or_path} names, else the baseline</td>
 *       <td>base model directory of a model that is a PEFT adapter</td></tr>
 *   <tr><td>{@code retention.<role>.tokenizer}</td><td>none</td><td>for a served model (role {@code baseline},
 *       {@code tuned} or {@code model.<name>}): the local directory with its {@code tokenizer.json}; required</td></tr>
 *   <tr><td>{@code retention.suite}</td><td>{@code @RetentionTest(suite)}</td><td>comma-separated suite files</td></tr>
 *   <tr><td>{@code retention.baseline.recorded}</td><td>{@code @RetentionTest(recordedBaseline)}</td><td>comma-separated recorded baseline scorecards</td></tr>
 *   <tr><td>{@code retention.baseline.record}</td><td>{@code false}</td><td>score the baseline model and (re)write the recorded scorecards</td></tr>
 *   <tr><td>{@code retention.device}</td><td>{@code auto}</td><td>{@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}</td></tr>
 *   <tr><td>{@code retention.batchSize}</td><td>{@code 16}</td><td>requests per forward pass</td></tr>
 *   <tr><td>{@code retention.promptTemplate}</td><td>{@code {prompt}}</td><td>template applied to every prompt (not to chat items that go through a chat template)</td></tr>
 *   <tr><td>{@code retention.chatTemplate}</td><td>{@code auto}</td><td>chat template of the suites' chat items: {@code auto} (the model's own, if it has one), {@code none}, or a path (a {@code .jinja} file, a {@code tokenizer_config.json} or a model directory)</td></tr>
 *   <tr><td>{@code retention.chatTemplate.system}</td><td>none</td><td>system message before every chat item's user message</td></tr>
 *   <tr><td>{@code retention.addBosToken}</td><td>{@code false}</td><td>prepend BOS to every text</td></tr>
 *   <tr><td>{@code retention.contextLength}</td><td>from the model's config</td><td>context window override</td></tr>
 *   <tr><td>{@code retention.cache.mode}</td><td>{@code read-write}</td><td>{@code read-write}, {@code read-only}, {@code refresh} or {@code off}</td></tr>
 *   <tr><td>{@code retention.cache.dir}</td><td>{@code ~/.cache/retention/scorecards}</td><td>scorecard cache directory</td></tr>
 *   <tr><td>{@code retention.report.dir}</td><td>{@code target/retention}</td><td>where each run's report goes ({@code runs/<run>/}, plus {@code report.html} of the latest run and {@code index.html})</td></tr>
 *   <tr><td>{@code retention.progress.seconds}</td><td>{@code 5}</td><td>least time between progress lines</td></tr>
 *   <tr><td>{@code retention.serving.apiKeyEnv}</td><td>none</td><td>NAME of the environment variable holding the serving engine's API key</td></tr>
 *   <tr><td>{@code retention.serving.timeout}</td><td>{@code 300}</td><td>seconds per request to a serving engine</td></tr>
 *   <tr><td>{@code retention.serving.concurrency}</td><td>{@code 8}</td><td>requests in flight per served model</td></tr>
 *   <tr><td>{@code retention.serving.maxRetries}</td><td>{@code 4}</td><td>retries after a 429, a 5xx, a connection error or a timeout</td></tr>
 *   <tr><td>{@code retention.serving.revision}</td><td>none</td><td>a revision string pinned into the served models' identity (and so the cache keys)</td></tr>
 *   <tr><td>{@code retention.serving.selfCheckTolerance}</td><td>{@code 1e-3}</td><td>per-token tolerance of the self-check; {@code 0.25} for bfloat16 servers</td></tr>
 * </table>
 * The system property {@code retention.stdout=false} silences the per-category summary lines.
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
        String device = lookup.apply("retention.device").orElse("auto");
        try {
            Devices.parse(device);
        } catch (IllegalArgumentException e) {
            throw invalid("retention.device", device, "auto, cpu, gpu or gpu:N");
        }
        int batch = positive(lookup, "retention.batchSize", 16);
        String template = lookup.apply("retention.promptTemplate").orElse(EvalConfig.PROMPT);
        if (!template.contains(EvalConfig.PROMPT)) {
            throw invalid("retention.promptTemplate", template, "a template containing " + EvalConfig.PROMPT);
        }
        ChatTemplateSetting chat = chatTemplate(lookup);
        Optional<String> system = lookup.apply("retention.chatTemplate.system");
        OptionalInt ctx = lookup.apply("retention.contextLength").isPresent()
                ? OptionalInt.of(positive(lookup, "retention.contextLength", 0)) : OptionalInt.empty();
        ScorecardCache.Mode mode;
        String m = lookup.apply("retention.cache.mode").orElse("read-write");
        try {
            mode = ScorecardCache.Mode.parse(m);
        } catch (IllegalArgumentException e) {
            throw invalid("retention.cache.mode", m, "read-write, read-only, refresh or off");
        }
        Path cacheDir = lookup.apply("retention.cache.dir").map(Paths::get).orElse(ScorecardCache.defaultDirectory());
        Path reportDir = Paths.get(lookup.apply("retention.report.dir").orElse("target/retention"));
        int progress = positive(lookup, "retention.progress.seconds", 5);
        return new RetentionConfig(device, batch, template, bool(lookup, "retention.addBosToken"), ctx, mode, cacheDir,
                reportDir, Duration.ofSeconds(progress), bool(lookup, "retention.baseline.record"), serving(lookup),
                lookup, chat, system);
    }

    /** {@code retention.chatTemplate}: auto, none, or a template path that is read now, so a bad one fails the run. */
    private static ChatTemplateSetting chatTemplate(Function<String, Optional<String>> lookup) {
        String key = "retention.chatTemplate";
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
        Optional<String> keyVariable = lookup.apply("retention.serving.apiKeyEnv").map(String::trim);
        if (keyVariable.isPresent() && !keyVariable.get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            // The value is not quoted: it may be the key itself, pasted where its variable's name belongs.
            throw new ExtensionConfigurationException(
                    "configuration parameter retention.serving.apiKeyEnv is not the name of "
                    + "an environment variable (" + keyVariable.get().length() + " characters); give the NAME of the "
                    + "variable that holds the API key, e.g. -Dretention.serving.apiKeyEnv=VLLM_API_KEY, never the key");
        }
        Duration timeout = d.timeout();
        Optional<String> seconds = lookup.apply("retention.serving.timeout");
        if (seconds.isPresent()) {
            try {
                timeout = Duration.ofSeconds(positive(lookup, "retention.serving.timeout", 0));
            } catch (ExtensionConfigurationException e) {
                throw invalid("retention.serving.timeout", seconds.get(), "a positive whole number of seconds per "
                        + "request, e.g. 300");
            }
        }
        int concurrency = positive(lookup, "retention.serving.concurrency", d.concurrency());
        int retries = d.maxRetries();
        Optional<String> r = lookup.apply("retention.serving.maxRetries");
        if (r.isPresent()) {
            try {
                retries = Integer.parseInt(r.get().trim());
            } catch (NumberFormatException e) {
                retries = -1;
            }
            if (retries < 0) {
                throw invalid("retention.serving.maxRetries", r.get(), "0 or a positive integer");
            }
        }
        double tolerance = d.selfCheckTolerance();
        Optional<String> t = lookup.apply("retention.serving.selfCheckTolerance");
        if (t.isPresent()) {
            try {
                tolerance = Double.parseDouble(t.get().trim());
            } catch (NumberFormatException e) {
                tolerance = Double.NaN;
            }
            if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
                throw invalid("retention.serving.selfCheckTolerance", t.get(), "a positive number of nats per token, "
                        + "e.g. 1e-3 for a float32 server or 0.25 for a bfloat16 one");
            }
        }
        return new ModelOptions.Serving(keyVariable, timeout, concurrency, retries,
                lookup.apply("retention.serving.revision").map(String::trim), tolerance);
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
        String key = role + ".tokenizer";
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
