package dev.retention.stats;

import org.apiguardian.api.API;

import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * One-sided tests of a margin {@code delta} on the paired accuracy difference
 * {@code Delta = acc(tuned) - acc(baseline) = (c - b) / n}, using Tango's (1998) score statistic
 *
 * <pre>
 *   Z = (c - b + n delta) / sqrt( n (2 q~_c + delta (1 - delta)) ),
 *   q~_c = (-B + sqrt(B^2 + 8 n c delta (1 - delta))) / (4n),   B = -(b + c) + delta (2n - b + c),
 * </pre>
 *
 * {@code q~_c} being the maximum-likelihood improvement probability restricted to the null boundary
 * {@code Delta = -delta} (derived in the package-private {@code TangoScore}).
 *
 * <ul>
 *   <li>Up to {@link #EXACT_MAX_ITEMS} items the p-value is exact unconditional (Hsueh, Liu &amp;
 *       Chen, Biometrics 57:478-483, 2001; Berger &amp; Sidik, Stat. Methods Med. Res. 12:91-108,
 *       2003): the supremum over the nuisance parameter on the boundary of the trinomial probability
 *       of all tables whose {@code Z} is at least as extreme as observed (see the package-private
 *       {@code ExactUnconditional}). Its size never exceeds {@code alpha}.
 *   <li>Above it the p-value is asymptotic, {@code Phi(Z)} or {@code 1 - Phi(Z)}, and the result says
 *       so ({@link PValueMethod#ASYMPTOTIC}).
 * </ul>
 *
 * <p>With {@code delta = 0}, {@code Z = (c - b)/sqrt(b + c)} is McNemar's statistic; the forgetting
 * test then answers the same question as {@link McNemar#exactOneSidedPValue}, unconditionally instead
 * of conditionally on {@code b + c}. Both are valid; neither p-value bounds the other in general.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class PairedMarginTest {

    /** Largest number of items for which the exact unconditional p-value is computed. */
    public static final int EXACT_MAX_ITEMS = 2000;

    private PairedMarginTest() {}

    /**
     * Tests {@code H0: Delta >= -delta} against {@code H1: Delta < -delta} ("forgetting beyond the
     * margin"); a small p-value is evidence the tuned model lost more than {@code delta}. The exact
     * p-value is {@code sup_nuisance P[Z <= z_obs]}.
     *
     * @param counts the paired table
     * @param margin {@code delta} in {@code [0, 1)}
     * @return the result, exact for {@code n <= EXACT_MAX_ITEMS}
     */
    public static MarginTestResult forgettingBeyondMargin(PairedCounts counts, double margin) {
        Objects.requireNonNull(counts, "counts");
        return forgettingBeyondMargin(
                counts.n(), counts.regressions(), counts.improvements(), margin);
    }

    /**
     * As {@link #forgettingBeyondMargin(PairedCounts, double)}, from the counts.
     *
     * @param n number of items, {@code > 0}
     * @param regressions {@code b >= 0}
     * @param improvements {@code c >= 0}, {@code b + c <= n}
     * @param margin {@code delta} in {@code [0, 1)}
     * @return the result
     */
    public static MarginTestResult forgettingBeyondMargin(
            int n, int regressions, int improvements, double margin) {
        return test(MarginHypothesis.FORGETTING_BEYOND_MARGIN, n, regressions, improvements, margin,
                defaultMethod(n));
    }

    /**
     * Tests {@code H0: Delta <= -delta} against {@code H1: Delta > -delta} ("retention within the
     * margin", classic non-inferiority); a small p-value is evidence that any drop is smaller than
     * {@code delta}. The exact p-value is {@code sup_nuisance P[Z >= z_obs]}.
     *
     * @param counts the paired table
     * @param margin {@code delta} in {@code [0, 1)}
     * @return the result, exact for {@code n <= EXACT_MAX_ITEMS}
     */
    public static MarginTestResult retentionWithinMargin(PairedCounts counts, double margin) {
        Objects.requireNonNull(counts, "counts");
        return retentionWithinMargin(counts.n(), counts.regressions(), counts.improvements(), margin);
    }

    /**
     * As {@link #retentionWithinMargin(PairedCounts, double)}, from the counts.
     *
     * @param n number of items, {@code > 0}
     * @param regressions {@code b >= 0}
     * @param improvements {@code c >= 0}, {@code b + c <= n}
     * @param margin {@code delta} in {@code [0, 1)}
     * @return the result
     */
    public static MarginTestResult retentionWithinMargin(
            int n, int regressions, int improvements, double margin) {
        return test(MarginHypothesis.RETENTION_WITHIN_MARGIN, n, regressions, improvements, margin,
                defaultMethod(n));
    }

    private static PValueMethod defaultMethod(int n) {
        return n <= EXACT_MAX_ITEMS ? PValueMethod.EXACT_UNCONDITIONAL : PValueMethod.ASYMPTOTIC;
    }

    /** Runs either test with an explicitly chosen method (the exact one at any {@code n}). */
    static MarginTestResult test(MarginHypothesis hypothesis, int n, int regressions,
            int improvements, double margin, PValueMethod method) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        if (regressions < 0 || improvements < 0 || (long) regressions + improvements > n) {
            throw new IllegalArgumentException("need b, c >= 0 and b + c <= n: n=" + n + ", b="
                    + regressions + ", c=" + improvements);
        }
        Checks.margin(margin);
        double z;
        double p;
        if (method == PValueMethod.EXACT_UNCONDITIONAL) {
            ExactUnconditional exact = new ExactUnconditional(n, margin);
            z = exact.statistic(regressions, improvements);
            p = exact.pValue(regressions, improvements, hypothesis.tail());
        } else {
            z = TangoScore.statistic(n, regressions, improvements, margin);
            p = hypothesis.tail() == ExactUnconditional.Tail.LOWER ? Normal.cdf(z) : Normal.cdf(-z);
        }
        return new MarginTestResult(hypothesis, margin, n, regressions, improvements, z, p, method);
    }
}
