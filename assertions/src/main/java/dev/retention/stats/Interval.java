package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A closed confidence interval {@code [lower, upper]} together with its nominal two-sided confidence
 * level (for example {@code 0.95}).
 *
 * @param lower lower bound, not NaN
 * @param upper upper bound, {@code >= lower}
 * @param confidence nominal coverage probability, in {@code (0, 1)}
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record Interval(double lower, double upper, double confidence) {

    /**
     * Validates the bounds and the level.
     *
     * @param lower lower bound, not NaN
     * @param upper upper bound, {@code >= lower}
     * @param confidence nominal coverage probability, in {@code (0, 1)}
     * @throws IllegalArgumentException if a bound is NaN, {@code lower > upper}, or the level is not in
     *     {@code (0, 1)}
     */
    public Interval {
        if (Double.isNaN(lower) || Double.isNaN(upper) || lower > upper) {
            throw new IllegalArgumentException("invalid bounds [" + lower + ", " + upper + "]");
        }
        Checks.confidence(confidence);
    }

    /**
     * Whether {@code lower <= value <= upper} (both ends included).
     *
     * @param value the value to locate
     * @return true if the value lies in the closed interval
     */
    public boolean contains(double value) {
        return lower <= value && value <= upper;
    }

    /**
     * Width {@code upper - lower}.
     *
     * @return the non-negative width
     */
    public double width() {
        return upper - lower;
    }
}
