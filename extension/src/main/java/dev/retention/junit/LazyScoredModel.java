package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardKey;
import dev.retention.eval.internal.ScorecardStore;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.model.CausalLm;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model known by its descriptor (fingerprint computed from its files) and loaded through the
 * run's {@link ModelCache} only when something needs it: a scorecard missing from the cache,
 * perplexity, or an injected {@code CausalLm}.
 */
final class LazyScoredModel implements ScoredModel {

    private final ModelDescriptor descriptor;
    private final int slot;
    private final ModelCache models;
    private final EvalConfig evalConfig;
    private final ScorecardStore store;
    private final Map<String, Scorecard> memo;
    private final Optional<Suite> defaultSuite;
    private final String servedAt; // a served model's http://host:port/v1#name, else null
    private final ModelOptions servedOptions; // with its local tokenizer, else null

    LazyScoredModel(ModelDescriptor descriptor, int slot, ModelCache models, EvalConfig evalConfig, ScorecardStore store) {
        this(descriptor, slot, models, evalConfig, store, new ConcurrentHashMap<>(), Optional.empty(), null, null);
    }

    /** A model on a serving engine at {@code locator}, connected (and self-checked) only when needed. */
    LazyScoredModel(ModelDescriptor descriptor, int slot, ModelCache models, EvalConfig evalConfig, ScorecardStore store,
                    String locator, ModelOptions options) {
        this(descriptor, slot, models, evalConfig, store, new ConcurrentHashMap<>(), Optional.empty(), locator, options);
    }

    private LazyScoredModel(ModelDescriptor descriptor, int slot, ModelCache models, EvalConfig evalConfig,
                            ScorecardStore store, Map<String, Scorecard> memo, Optional<Suite> defaultSuite,
                            String servedAt, ModelOptions servedOptions) {
        this.servedAt = servedAt;
        this.servedOptions = servedOptions;
        this.descriptor = descriptor;
        this.slot = slot;
        this.models = models;
        this.evalConfig = evalConfig;
        this.store = store;
        this.memo = memo;
        this.defaultSuite = defaultSuite;
    }

    @Override
    public String name() {
        return descriptor.name();
    }

    @Override
    public String fingerprint() {
        return descriptor.fingerprint();
    }

    ModelDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public Scorecard scorecard(Suite suite) {
        return memo.computeIfAbsent(suite.contentHash(), h -> store.get(new ScorecardKey(name(), fingerprint(),
                suite.name(), suite.contentHash(), ScoringConfig.of(descriptor, evalConfig, suite)),
                () -> evaluatorNow().score(suite)));
    }

    @Override
    public Optional<Suite> defaultSuite() {
        return defaultSuite;
    }

    @Override
    public Optional<Evaluator> evaluator() {
        return Optional.of(evaluatorNow());
    }

    /** The loaded model (loads it if this run has not yet). */
    CausalLm model() {
        return servedAt == null ? models.get(descriptor, slot) : models.served(servedAt, descriptor, servedOptions);
    }

    private Evaluator evaluatorNow() {
        return Evaluator.of(model(), evalConfig);
    }

    @Override
    public ScoredModel withDefaultSuite(Suite suite) {
        return new LazyScoredModel(descriptor, slot, models, evalConfig, store, memo, Optional.of(suite), servedAt,
                servedOptions);
    }

    @Override
    public String toString() {
        return name();
    }
}
