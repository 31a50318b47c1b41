package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Exact (conditional) McNemar test for paired binary outcomes (Q. McNemar, Psychometrika 12:153-157,
 * 1947). Conditional on the {@code m = b + c} discordant items, the number of regressions {@code b} is
 * {@code Binomial(m, 1/2)} when both models are equally accurate.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class McNemar {

    private McNemar() {}

    /**
     * Exact one-sided p-value that the tuned model is worse:
     *
     * <pre>
     *   p = P[X >= b],  X ~ Binomial(b + c, 1/2),   i.e.  sum_{k=b}^{m} C(m, k) / 2^m
     * </pre>
     *
     * and {@code 1} when {@code b + c = 0}. The smaller tail is summed from its largest term outwards
     * with binomial probabilities computed as in Loader (2000), so the result keeps full relative
     * accuracy even for very small p-values and for {@code b + c} in the millions; when
     * {@code b <= c} the identity {@code P[X >= b] = 1 - P[X >= c + 1]} is used.
     *
     * @param regressions {@code b >= 0}: baseline right, tuned wrong
     * @param improvements {@code c >= 0}: baseline wrong, tuned right
     * @return the exact one-sided p-value in {@code (0, 1]}
     * @throws IllegalArgumentException if a count is negative or {@code b + c} overflows an int
     */
    public static double exactOneSidedPValue(int regressions, int improvements) {
        if (regressions < 0 || improvements < 0) {
            throw new IllegalArgumentException(
                    "counts must be non-negative: b=" + regressions + ", c=" + improvements);
        }
        long total = (long) regressions + improvements;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("b + c too large: " + total);
        }
        int m = (int) total;
        if (m == 0 || regressions == 0) {
            return 1.0;
        }
        if (regressions > improvements) {
            return Binomial.upperTailOfFairCoin(regressions, m);
        }
        return 1.0 - Binomial.upperTailOfFairCoin(improvements + 1, m);
    }
}
