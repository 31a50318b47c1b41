package dev.retention.eval;

import java.util.function.Supplier;

/** Where scorecards come from: scored afresh, or served from a cache such as {@link ScorecardCache}. */
@FunctionalInterface
public interface ScorecardStore {

    /** The scorecard for {@code key}; {@code score} computes it when the store has no valid entry. */
    Scorecard get(ScorecardKey key, Supplier<Scorecard> score);

    /** No caching: always scores. */
    static ScorecardStore none() {
        return (key, score) -> score.get();
    }
}
