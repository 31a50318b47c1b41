package dev.retention.assertions;

import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardKey;
import dev.retention.eval.internal.ScorecardStore;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.suite.Suite;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A loaded model scored on demand; each suite is scored once per instance (memoised by content hash). */
final class LiveScoredModel implements ScoredModel {

    private final Evaluator evaluator;
    private final Optional<Suite> defaultSuite;
    private final ScorecardStore store;
    private final Map<String, Scorecard> memo;

    LiveScoredModel(Evaluator evaluator, Optional<Suite> defaultSuite, ScorecardStore store) {
        this(evaluator, defaultSuite, store, new ConcurrentHashMap<>());
    }

    /** Shares {@code memo} (scorecards by suite content hash) with other instances of the same model and settings. */
    LiveScoredModel(Evaluator evaluator, Optional<Suite> defaultSuite, ScorecardStore store, Map<String, Scorecard> memo) {
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
        this.defaultSuite = defaultSuite;
        this.store = store;
        this.memo = memo;
    }

    @Override
    public String name() {
        return evaluator.model().name();
    }

    @Override
    public String fingerprint() {
        return evaluator.model().fingerprint();
    }

    @Override
    public Scorecard scorecard(Suite suite) {
        return memo.computeIfAbsent(suite.contentHash(), h -> store.get(new ScorecardKey(name(), fingerprint(),
                suite.name(), suite.contentHash(), ScoringConfig.of(evaluator.model().descriptor(), evaluator.config(),
                suite)),
                () -> evaluator.score(suite)));
    }

    @Override
    public Optional<Suite> defaultSuite() {
        return defaultSuite;
    }

    @Override
    public Optional<Evaluator> evaluator() {
        return Optional.of(evaluator);
    }

    @Override
    public ScoredModel withDefaultSuite(Suite suite) {
        return new LiveScoredModel(evaluator, Optional.of(suite), store, memo);
    }

    @Override
    public String toString() {
        return name();
    }
}
