package dev.retention.assertions;

import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.suite.Suite;

import java.util.function.Supplier;

/**
 * Where a live model's scorecards come from: scored afresh, or served from a cache keyed by model
 * fingerprint, suite hash and scoring configuration (see the JUnit extension's baseline cache).
 */
@FunctionalInterface
public interface ScorecardStore {

    /**
     * The scorecard of {@code evaluator}'s model on {@code suite}; {@code score} computes it when the
     * store has no valid entry.
     */
    Scorecard get(Evaluator evaluator, Suite suite, Supplier<Scorecard> score);

    /** No caching: always scores. */
    static ScorecardStore none() {
        return (evaluator, suite, score) -> score.get();
    }
}
