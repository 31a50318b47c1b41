package dev.retention.junit;

import dev.retention.eval.ChatTemplateSetting;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.ScorecardCache;
import dev.retention.model.ChatTemplate;
import dev.retention.model.Devices;
import dev.retention.model.ModelLoadException;
import dev.retention.model.ModelOptions;

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
 * then {@code junit-platform.properties}. Invalid or empty values fail the run with the key named.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code retention.baseline}</td><td>{@code @RetentionTest(baseline)}</td><td>baseline model directory</td></tr>
 *   <tr><td>{@code retention.tuned}</td><td>{@code @RetentionTest(tuned)}</td><td>tuned model directory, or a PEFT
 *       adapter directory</td></tr>
 *   <tr><td>{@code retention.model.<name>}</td><td>{@code @NamedModel(path)}</td><td>directory of a named model</td></tr>
 *   <tr><td>{@code retention.tuned.base}, {@code retention.baseline.base}, {@code retention.model.<name>.base}</td>
 *       <td>the local folder the adapter's {@code base_model_name_or_path} names, else the baseline</td>
 *       <td>base model directory of a model that is a PEFT adapter</td></tr>
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
 * </table>
 * The system property {@code retention.stdout=false} silences the per-category summary lines.
 */
record RetentionConfig(String device, int batchSize, String promptTemplate, boolean addBosToken,
                       OptionalInt contextLength, ScorecardCache.Mode cacheMode, Path cacheDir, Path reportDir,
                       Duration progressInterval, boolean recordBaseline, Function<String, Optional<String>> lookup,
                       ChatTemplateSetting chatTemplate, Optional<String> systemMessage) {

    static RetentionConfig read(Function<String, Optional<String>> configured) {
        Function<String, Optional<String>> lookup = key -> configured.apply(key).map(v -> {
            if (v.isBlank()) {
                throw new IllegalArgumentException("configuration parameter " + key + " is set but empty (e.g. -D"
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
                reportDir, Duration.ofSeconds(progress), bool(lookup, "retention.baseline.record"), lookup, chat, system);
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
                throw new IllegalArgumentException("configuration parameter " + key + " = '" + v.get() + "' is "
                        + "invalid (expected auto, none or a chat template path): " + e.getMessage(), e);
            }
        }
        return s;
    }

    EvalConfig evalConfig() {
        return new EvalConfig(batchSize, promptTemplate, ProgressListener.toStandardError(), progressInterval,
                chatTemplate, systemMessage);
    }

    ModelOptions modelOptions() {
        ModelOptions o = ModelOptions.defaults().withDevice(device).withAddBosToken(addBosToken);
        return contextLength.isPresent() ? o.withContextLength(contextLength.getAsInt()) : o;
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

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("configuration parameter " + key + " = '" + value + "' is invalid; expected "
                + expected);
    }
}
