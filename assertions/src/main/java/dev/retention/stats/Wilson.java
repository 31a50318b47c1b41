package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference, the law of
 * succession, and statistical inference", JASA 22:209-212, 1927; recommended by Agresti &amp; Coull,
 * "Approximate is better than 'exact' for interval estimation of binomial proportions", Am. Stat.
 * 52:119-126, 1998, and Brown, Cai &amp; DasGupta, Stat. Sci. 16:101-133, 2001).
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Wilson {

    private Wilson() {}

    /**
     * Wilson score interval for {@code k} successes in {@code n} trials:
     *
     * <pre>
     *   centre     = (k + z^2/2) / (n + z^2)
     *   half-width = z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)
     * </pre>
     *
     * with {@code z = Phi^-1((1 + confidence) / 2)} from an accurate inverse normal CDF. The bounds are
     * exactly {@code 0} for {@code k = 0} and exactly {@code 1} for {@code k = n} (the formula gives them
     * analytically; here they are pinned to avoid rounding noise), and are clamped to {@code [0, 1]}.
     *
     * @param successes {@code k}, in {@code [0, n]}
     * @param n number of trials, {@code > 0}
     * @param confidence two-sided level in {@code (0, 1)}, e.g. {@code 0.95}
     * @return the interval, carrying {@code confidence}
     * @throws IllegalArgumentException on out-of-range arguments
     */
    public static Interval interval(int successes, int n, double confidence) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        if (successes < 0 || successes > n) {
            throw new IllegalArgumentException("successes must be in [0, n]: " + successes);
        }
        Checks.confidence(confidence);
        double z = -Normal.quantile(0.5 * (1.0 - confidence));
        double z2 = z * z;
        double k = successes;
        double denominator = n + z2;
        double centre = (k + 0.5 * z2) / denominator;
        double half = z / denominator * Math.sqrt(k * (n - k) / n + 0.25 * z2);
        double lower = successes == 0 ? 0.0 : Math.max(0.0, centre - half);
        double upper = successes == n ? 1.0 : Math.min(1.0, centre + half);
        return new Interval(lower, upper, confidence);
    }
}
