package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.Scorecard;
import dev.retention.eval.ScorecardCache;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelDescriptor;
import dev.retention.model.ModelOptions;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything shared by all test classes of one run: configuration, the model cache, the scorecard
 * cache, loaded suites and the report. Lives in JUnit's launcher-session store, so under Surefire
 * it spans every test class of a forked JVM (with the default {@code forkCount=1}, the whole run),
 * and is closed when the session ends: reports are written, models closed, and the model cache
 * line printed.
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
     * The lazily loaded model that the key {@code role} (e.g. {@code retention.tuned}) names at {@code locator}: a
     * directory, or a served model {@code http://host:port/v1#name}, whose engine is asked here what it serves (its
     * identity keys the caches) and is self-checked only when the model is needed. {@code slot} decides a local
     * model's device (see {@link ModelCache#get}).
     */
    LazyScoredModel model(String role, String locator, int slot) {
        ModelOptions options = config.modelOptions(role, locator);
        if (CausalLm.namesServedModel(locator)) {
            servedModels = true;
            return handles.computeIfAbsent(locator + " " + options.tokenizer().orElseThrow() + "#" + slot, k -> {
                ModelDescriptor d = CausalLm.describe(locator, options);
                report.model(d.name(), d.fingerprint(), locator);
                return new LazyScoredModel(d, slot, models, config.evalConfig(), scorecards, locator, options);
            });
        }
        Path dir = Paths.get(locator).toAbsolutePath().normalize();
        return handles.computeIfAbsent(dir + "#" + slot, k -> {
            ModelDescriptor d = CausalLm.describe(dir, options);
            report.model(d.name(), d.fingerprint(), d.directory().toString());
            return new LazyScoredModel(d, slot, models, config.evalConfig(), scorecards);
        });
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
                    throw new IllegalStateException("retention.baseline.record=true needs the baseline model: set "
                            + "@RetentionTest(baseline) or retention.baseline");
                }
                if (files.size() != suiteList.size()) {
                    throw new IllegalStateException("recordedBaseline lists " + files.size() + " file(s) for "
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
                    throw new IllegalStateException("recorded baseline " + Paths.get(f).toAbsolutePath().normalize()
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
                .setting("scorecard cache", config.cacheMode().label() + " at " + config.cacheDir() + " ("
                        + scorecards.hits() + " hits, " + scorecards.misses() + " misses)")
                .setting("model cache", models.loads() + " loads, " + models.hits() + " hits");
        return servedModels ? r.setting("serving engines", config.servingSummary()) : r;
    }

    @Override
    public void close() {
        try {
            if (!report.isEmpty()) {
                Path html = reportWithSettings().write(config.reportDir());
                log("retention: report: " + html + " (and report.json)");
            }
        } finally {
            models.close();
        }
    }
}
