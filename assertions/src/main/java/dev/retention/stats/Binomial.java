package dev.retention.stats;

/**
 * Binomial probabilities and log-factorials computed without cancellation, after C. Loader, "Fast and
 * accurate computation of binomial probabilities" (2000), the algorithm behind R's {@code dbinom}.
 *
 * <p>{@code P[X = k] = sqrt(m / (2 pi k (m-k))) * exp(s(m) - s(k) - s(m-k) - D(k, m p) - D(m-k, m q))},
 * where {@code s(k) = ln k! - (k + 1/2) ln k + k - ln sqrt(2 pi)} is the Stirling error and
 * {@code D(x, y) = x ln(x/y) + y - x} the deviance term, summed as a series when {@code x ~ y}. Every
 * term is small, so the relative error of the result is a few ulps for any {@code m}.
 */
final class Binomial {

    private static final double LOG_SQRT_2PI = 0.91893853320467274178;
    private static final double LOG_2PI = 1.8378770664093454836;

    /**
     * Stirling error {@code s(k)} for k = 0..15, computed to 60 digits with Python's {@code decimal}:
     * {@code Decimal(math.factorial(k)).ln() - (k + Decimal("0.5")) * Decimal(k).ln() + k - (2*PI).ln()/2}
     * (entry 0 unused).
     */
    private static final double[] STIRLING_ERROR = {
        Double.NaN,
        0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093,
        0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
        0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
        0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
    };

    private static final double S0 = 1.0 / 12;
    private static final double S1 = 1.0 / 360;
    private static final double S2 = 1.0 / 1260;
    private static final double S3 = 1.0 / 1680;
    private static final double S4 = 1.0 / 1188;

    private Binomial() {}

    /** Stirling error {@code s(k)} for an integer {@code k >= 1} (table, then the asymptotic series). */
    static double stirlingError(int k) {
        if (k <= 15) {
            return STIRLING_ERROR[k];
        }
        double kk = (double) k * k;
        if (k > 500) {
            return (S0 - S1 / kk) / k;
        }
        if (k > 80) {
            return (S0 - (S1 - S2 / kk) / kk) / k;
        }
        if (k > 35) {
            return (S0 - (S1 - (S2 - S3 / kk) / kk) / kk) / k;
        }
        return (S0 - (S1 - (S2 - (S3 - S4 / kk) / kk) / kk) / kk) / k;
    }

    /** {@code ln k!} for {@code k >= 0}, via {@code (k + 1/2) ln k - k + ln sqrt(2 pi) + s(k)}. */
    static double logFactorial(int k) {
        if (k < 2) {
            return 0.0;
        }
        return (k + 0.5) * Math.log(k) - k + LOG_SQRT_2PI + stirlingError(k);
    }

    /** Table {@code ln 0!, ..., ln n!}. */
    static double[] logFactorials(int n) {
        double[] table = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            table[k] = logFactorial(k);
        }
        return table;
    }

    /** Deviance term {@code D(x, y) = x ln(x / y) + y - x}, by its series when {@code |x - y|} is small. */
    static double deviance(double x, double y) {
        if (Math.abs(x - y) < 0.1 * (x + y)) {
            double v = (x - y) / (x + y);
            double s = (x - y) * v;
            double ej = 2 * x * v;
            v *= v;
            for (int j = 1; j < 1000; j++) {
                ej *= v;
                double next = s + ej / (2 * j + 1);
                if (next == s) {
                    return next;
                }
                s = next;
            }
            return s;
        }
        return x * Math.log(x / y) + y - x;
    }

    /**
     * {@code P[X = k]} for {@code X ~ Binomial(m, p)}, {@code 0 <= p <= 1}, to a few ulps (the degenerate
     * {@code p = 0} and {@code p = 1} give exact 0/1 through infinite deviance terms).
     */
    static double pmf(int k, int m, double p) {
        if (k < 0 || k > m) {
            return 0.0;
        }
        double q = 1.0 - p;
        if (k == 0) {
            return Math.pow(q, m);
        }
        if (k == m) {
            return Math.pow(p, m);
        }
        double lc = stirlingError(m) - stirlingError(k) - stirlingError(m - k)
                - deviance(k, m * p) - deviance(m - k, m * q);
        double lf = LOG_2PI + Math.log(k) + Math.log1p(-(double) k / m);
        return Math.exp(lc - 0.5 * lf);
    }

    /**
     * Upper tail {@code P[X >= k]} for {@code X ~ Binomial(m, 1/2)} and {@code k > m / 2}, i.e. when the
     * summed terms decrease. First term from {@link #pmf}, then {@code t(j+1) = t(j) (m - j) / (j + 1)};
     * summation stops once the geometric bound {@code t r / (1 - r)} on the remainder (ratios {@code r}
     * only shrink further out) is below {@code 1e-17} of the sum.
     */
    static double upperTailOfFairCoin(int k, int m) {
        if (2L * k <= m) {
            throw new IllegalArgumentException("k must exceed m/2: k=" + k + ", m=" + m);
        }
        double term = pmf(k, m, 0.5);
        double sum = term;
        for (int j = k; j < m; j++) {
            double ratio = (double) (m - j) / (j + 1);
            term *= ratio;
            sum += term;
            if (term == 0.0 || term * ratio / (1.0 - ratio) < 1e-17 * sum) {
                break;
            }
        }
        return sum;
    }
}
