package dev.retention.eval.internal;

import org.apiguardian.api.API;

import java.util.function.Supplier;
import dev.retention.eval.Scorecard;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Where scorecards come from: scored afresh, or served from a cache such as {@link ScorecardCache}.
 *
 * @since 0.1
 */
@FunctionalInterface
@API(status = INTERNAL, since = "0.1")
public interface ScorecardStore {

    /**
     * The scorecard for {@code key}; {@code score} computes it when the store has no valid entry.
     *
     * @param key what the scorecard depends on; it picks the entry
     * @param score computes the scorecard; called at most once, and only when the store has no valid
     *     entry (what it throws reaches the caller)
     * @return the stored scorecard, or the one {@code score} computed
     */
    Scorecard get(ScorecardKey key, Supplier<Scorecard> score);

    /**
     * No caching: always scores.
     *
     * @return a store whose {@code get} calls {@code score} every time and returns its result, storing nothing
     */
    static ScorecardStore none() {
        return (key, score) -> score.get();
    }
}
