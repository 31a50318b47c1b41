package dev.retention.stats;

import org.apiguardian.api.API;

import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * The 2x2 paired table of a baseline and a tuned model scored on the same {@code n} items. Only the
 * discordant cells drive the paired tests: {@code b = regressions} (baseline right, tuned wrong) and
 * {@code c = improvements} (baseline wrong, tuned right), so that
 * {@code Delta = acc(tuned) - acc(baseline) = (c - b) / n}.
 *
 * @param n number of items, {@code > 0}
 * @param regressions {@code b}: items the baseline got right and the tuned model got wrong
 * @param improvements {@code c}: items the baseline got wrong and the tuned model got right
 * @param baselineCorrect items the baseline got right ({@code >= b}, and {@code n - baselineCorrect >= c})
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record PairedCounts(int n, int regressions, int improvements, int baselineCorrect) {

    /**
     * Validates that the four counts describe a possible 2x2 table.
     *
     * @param n number of items
     * @param regressions {@code b}
     * @param improvements {@code c}
     * @param baselineCorrect items the baseline got right
     * @throws IllegalArgumentException if {@code n <= 0} or a cell of the implied table is negative
     */
    public PairedCounts {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        if (baselineCorrect < 0 || baselineCorrect > n) {
            throw new IllegalArgumentException("baselineCorrect must be in [0, n]: " + baselineCorrect);
        }
        if (regressions < 0 || regressions > baselineCorrect) {
            throw new IllegalArgumentException(
                    "regressions must be in [0, baselineCorrect=" + baselineCorrect + "]: " + regressions);
        }
        if (improvements < 0 || improvements > n - baselineCorrect) {
            throw new IllegalArgumentException(
                    "improvements must be in [0, n - baselineCorrect=" + (n - baselineCorrect) + "]: "
                            + improvements);
        }
    }

    /**
     * Tallies per-item correctness of the two models, item {@code i} being {@code baseline[i]} versus
     * {@code tuned[i]}.
     *
     * @param baseline per-item correctness of the baseline model
     * @param tuned per-item correctness of the tuned model, same length and item order
     * @return the paired table
     * @throws IllegalArgumentException if the arrays differ in length or are empty
     */
    public static PairedCounts of(boolean[] baseline, boolean[] tuned) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(tuned, "tuned");
        if (baseline.length != tuned.length) {
            throw new IllegalArgumentException(
                    "paired arrays differ in length: baseline " + baseline.length + ", tuned " + tuned.length);
        }
        if (baseline.length == 0) {
            throw new IllegalArgumentException("no items");
        }
        int b = 0;
        int c = 0;
        int baselineCorrect = 0;
        for (int i = 0; i < baseline.length; i++) {
            if (baseline[i]) {
                baselineCorrect++;
                if (!tuned[i]) {
                    b++;
                }
            } else if (tuned[i]) {
                c++;
            }
        }
        return new PairedCounts(baseline.length, b, c, baselineCorrect);
    }

    /**
     * Items the tuned model got right, {@code baselineCorrect - b + c}.
     *
     * @return the tuned model's number of correct items
     */
    public int tunedCorrect() {
        return baselineCorrect - regressions + improvements;
    }

    /**
     * Baseline accuracy {@code baselineCorrect / n}.
     *
     * @return the baseline accuracy in {@code [0, 1]}
     */
    public double baselineAccuracy() {
        return (double) baselineCorrect / n;
    }

    /**
     * Tuned accuracy {@code tunedCorrect / n}.
     *
     * @return the tuned accuracy in {@code [0, 1]}
     */
    public double tunedAccuracy() {
        return (double) tunedCorrect() / n;
    }

    /**
     * Observed paired difference {@code Delta = (c - b) / n = acc(tuned) - acc(baseline)}.
     *
     * @return the accuracy difference, negative when the tuned model is worse
     */
    public double accuracyDifference() {
        return (double) (improvements - regressions) / n;
    }

    /**
     * Number of discordant items {@code b + c}.
     *
     * @return the discordant count
     */
    public int discordant() {
        return regressions + improvements;
    }
}
