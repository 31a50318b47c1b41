package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardCache;
import dev.retention.model.internal.AdapterBase;
import dev.retention.model.CausalLm;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.ModelOptions;
import dev.retention.report.ReportFiles;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything shared by all test classes of one run: configuration, the model cache, the scorecard
 * cache, loaded suites and the report. Lives in JUnit's launcher-session store, so under Surefire
 * it spans every test class of a forked JVM (with the default {@code forkCount=1}, the whole run),
 * and is closed when the session ends: the run's report is written (a new run directory under
 * {@code retention.report.dir}, see {@link RetentionReport#write}) and named in one console line, models
 * are closed, and the model cache line printed.
 */
final class RunResources implements AutoCloseable {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RunResources.class);
    private static final Object LOCK = new Object();

    final RetentionConfig config;
    final ModelCache models;
    final ScorecardCache scorecards;
    final RetentionReport report = RetentionReport.create();
    private final Map<Path, Suite> suites = new ConcurrentHashMap<>();
    private final Map<String, LazyScoredModel> handles = new ConcurrentHashMap<>();
    private final Map<String, ScoredModel> recorded = new ConcurrentHashMap<>();
    private final Map<Class<?>, ModelSet> modelSets = new ConcurrentHashMap<>();
    private volatile boolean servedModels;

    private RunResources(RetentionConfig config) {
        this.config = config;
        this.models = new ModelCache(config.modelOptions(), RunResources::log);
        this.scorecards = new ScorecardCache(config.cacheDir(), config.cacheMode(), RunResources::log);
    }

    /** The run's resources, created by the first test class that needs them. */
    static RunResources of(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(ExtensionContext.StoreScope.LAUNCHER_SESSION, NAMESPACE);
        synchronized (LOCK) {
            RunResources r = store.get(RunResources.class, RunResources.class);
            if (r == null) {
                r = new RunResources(RetentionConfig.read(context::getConfigurationParameter));
                store.put(RunResources.class, r);
            }
            return r;
        }
    }

    static void log(String line) {
        System.out.println(line);
    }

    /** The models and suites {@code testClass} declares, resolved once per run. */
    ModelSet modelSet(Class<?> testClass) {
        return modelSets.computeIfAbsent(testClass, c -> ModelSet.of(c, this));
    }

    /** A suite file, loaded once per run. */
    Suite suite(String path) {
        return suites.computeIfAbsent(Paths.get(path).toAbsolutePath().normalize(), Suite::load);
    }

    /**
     * The lazily loaded model that the key {@code retention.<role>} names at {@code locator}: a directory (a
     * PEFT adapter directory gets its base from {@link #adapterBase}), or a served model
     * {@code http://host:port/v1#name}, whose engine is asked here what it serves (its identity keys the caches)
     * and is self-checked only when the model is needed. {@code slot} decides a local model's device (see
     * {@link ModelCache#get}).
     *
     * @param role the model's configuration key: {@link RetentionKeys#BASELINE}, {@link RetentionKeys#TUNED} or
     *     {@link RetentionKeys#MODEL_PREFIX}{@code <name>}
     * @param baseline the run's baseline model path, if it has one (the default base of adapters)
     */
    LazyScoredModel model(String role, String locator, int slot, Optional<String> baseline) {
        ModelOptions served = config.modelOptions(role, locator);
        if (CausalLm.namesServedModel(locator)) {
            servedModels = true;
            return handles.computeIfAbsent(locator + " " + served.tokenizer().orElseThrow() + "#" + slot, k -> {
                ModelDescriptor d = CausalLm.describe(locator, served);
                report.model(d.name(), d.fingerprint(), locator);
                return new LazyScoredModel(d, slot, models, config.evalConfig(), scorecards, locator, served);
            });
        }
        Path dir = Paths.get(locator).toAbsolutePath().normalize();
        Optional<Path> base = adapterBase(role, dir, baseline);
        ModelOptions options = base.map(config.modelOptions()::withBase).orElse(config.modelOptions());
        return handles.computeIfAbsent(dir + "#" + slot + base.map(b -> "#" + b).orElse(""), k -> {
            ModelDescriptor d = CausalLm.describe(dir, options);
            report.model(d.name(), d.fingerprint(), d.base().map(b -> d.directory() + " (PEFT adapter over "
                    + b.directory() + ")").orElse(d.directory().toString()));
            return new LazyScoredModel(d, slot, models, config.evalConfig(), scorecards);
        });
    }

    /**
     * The base model directory of {@code dir} when it is a PEFT adapter: the key
     * {@code retention.<role>.base} when set, else the local folder its {@code base_model_name_or_path}
     * names, else the run's baseline model folder. Empty when {@code dir} is not an adapter.
     *
     * @throws ExtensionConfigurationException naming the adapter, its base_model_name_or_path and the fix
     *     when no base can be found, or when {@code retention.<role>.base} is set for a model that is no adapter
     */
    Optional<Path> adapterBase(String role, Path dir, Optional<String> baseline) {
        String key = role + RetentionKeys.BASE_SUFFIX;
        Optional<String> override = config.path(key, "");
        Optional<AdapterBase> declared = CausalLm.adapterBase(dir);
        if (declared.isEmpty()) {
            if (override.isPresent()) {
                throw new ExtensionConfigurationException("configuration parameter " + key + " is set, but the "
                        + describeRole(role) + " " + dir + " is not a PEFT adapter (it has no adapter_config.json), so it "
                        + "has no base; remove " + key);
            }
            return Optional.empty();
        }
        if (override.isPresent()) {
            Path b = Paths.get(override.get()).toAbsolutePath().normalize();
            if (!Files.isDirectory(b)) {
                throw new ExtensionConfigurationException("configuration parameter " + key + " = '" + override.get()
                        + "' names no directory (" + b + "); give the directory of the base model of the adapter " + dir);
            }
            return Optional.of(b);
        }
        AdapterBase adapter = declared.get();
        if (adapter.localFolder().isPresent()) {
            return adapter.localFolder();
        }
        Optional<Path> live = role.equals(RetentionKeys.BASELINE) ? Optional.empty()
                : baseline.map(p -> Paths.get(p).toAbsolutePath().normalize());
        if (live.isPresent() && Files.isDirectory(live.get()) && CausalLm.adapterBase(live.get()).isEmpty()) {
            return live;
        }
        String why = role.equals(RetentionKeys.BASELINE) ? "and the baseline cannot be its own base"
                : live.isEmpty() ? "and the run has no baseline model to use as its base"
                : !Files.isDirectory(live.get()) ? "and the baseline " + live.get() + " is no local model folder"
                : "and the baseline " + live.get() + " is itself an adapter";
        throw new ExtensionConfigurationException("the " + describeRole(role) + " " + dir + " is a PEFT adapter whose "
                + adapter.config().getFileName() + " has base_model_name_or_path '" + adapter.declared() + "', which "
                + "names no local folder (looked up relative to the adapter and the working directory), " + why
                + "; set " + key + " to the base model's directory"
                + (role.equals(RetentionKeys.BASELINE) ? "" : ", or give the run a baseline model (the base itself) with "
                + "@RetentionTest(baseline) or retention.baseline"));
    }

    private static String describeRole(String role) {
        if (role.startsWith(RetentionKeys.MODEL_PREFIX)) {
            return "model '" + role.substring(RetentionKeys.MODEL_PREFIX.length()) + "'";
        }
        return role.substring(role.lastIndexOf('.') + 1) + " model";
    }

    /**
     * The recorded baseline scorecards; with {@code retention.baseline.record=true} they are first
     * (re)written by scoring {@code live} on each suite, in order.
     */
    ScoredModel recordedBaseline(List<String> files, List<Suite> suiteList, LazyScoredModel live) {
        String key = String.join(",", files);
        return recorded.computeIfAbsent(key, k -> {
            if (config.recordBaseline()) {
                if (live == null) {
                    throw new ExtensionConfigurationException(
                            RetentionKeys.BASELINE_RECORD + "=true needs the baseline model: set "
                            + "@RetentionTest(baseline) or " + RetentionKeys.BASELINE);
                }
                if (files.size() != suiteList.size()) {
                    throw new ExtensionConfigurationException("recordedBaseline lists " + files.size() + " file(s) for "
                            + suiteList.size() + " suite(s); give one file per suite, in suite order");
                }
                for (int i = 0; i < files.size(); i++) {
                    Scorecard card = live.scorecard(suiteList.get(i));
                    card.write(Paths.get(files.get(i)));
                    log("retention: recorded baseline " + live.name() + " on " + suiteList.get(i).name() + " to "
                            + Paths.get(files.get(i)).toAbsolutePath().normalize());
                }
            }
            for (String f : files) {
                if (!Files.isRegularFile(Paths.get(f))) {
                    throw new ExtensionConfigurationException(
                            "recorded baseline " + Paths.get(f).toAbsolutePath().normalize()
                            + " does not exist; record it once with -Dretention.baseline.record=true");
                }
            }
            ScoredModel m = ScoredModel.recorded(files.stream().map(Paths::get).toArray(Path[]::new));
            report.model(m.name() + " (recorded)", m.fingerprint(), key);
            return m;
        });
    }

    /** The run's settings and cache statistics, for the report's settings table. */
    RetentionReport reportWithSettings() {
        RetentionReport r = report.setting("device", config.device())
                .setting("batch size", Integer.toString(config.batchSize()))
                .setting("prompt template", config.promptTemplate())
                .setting("chat template", config.chatTemplate() + config.systemMessage().map(m -> ", system message \""
                        + m + "\"").orElse(""))
                .setting("scorecard cache", config.cacheMode().label() + " at " + config.cacheDir() + " ("
                        + scorecards.hits() + " hits, " + scorecards.misses() + " misses)")
                .setting("model cache", models.summary());
        return servedModels ? r.setting("serving engines", config.servingSummary()) : r;
    }

    @Override
    public void close() {
        try {
            if (!report.isEmpty()) {
                ReportFiles files = reportWithSettings().write(config.reportDir());
                log("retention: report: " + files.html() + " (latest run: " + files.latestHtml() + ", every run: "
                        + files.index() + ")");
            }
        } finally {
            models.close();
        }
    }
}
