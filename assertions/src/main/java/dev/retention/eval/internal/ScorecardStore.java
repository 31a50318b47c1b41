package dev.retention.eval.internal;

import org.apiguardian.api.API;

import java.util.function.Supplier;
import dev.retention.eval.Scorecard;

import static org.apiguardian.api.API.Status.INTERNAL;

/** Where scorecards come from: scored afresh, or served from a cache such as {@link ScorecardCache}. */
@FunctionalInterface
@API(status = INTERNAL, since = "0.1")
public interface ScorecardStore {

    /** The scorecard for {@code key}; {@code score} computes it when the store has no valid entry. */
    Scorecard get(ScorecardKey key, Supplier<Scorecard> score);

    /** No caching: always scores. */
    static ScorecardStore none() {
        return (key, score) -> score.get();
    }
}
