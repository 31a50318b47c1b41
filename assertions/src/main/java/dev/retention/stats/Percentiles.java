package dev.retention.stats;

/**
 * Sample quantiles by Hyndman &amp; Fan's definition 7 (R's default {@code type = 7}, numpy's default
 * {@code method="linear"}): for sorted values {@code x[0] <= ... <= x[N-1]} and {@code 0 <= p <= 1},
 *
 * <pre>
 *   h = (N - 1) p,  j = floor(h),  Q(p) = x[j] + (h - j) (x[j+1] - x[j])
 * </pre>
 *
 * (R. J. Hyndman &amp; Y. Fan, "Sample quantiles in statistical packages", Am. Stat. 50:361-365, 1996).
 */
final class Percentiles {

    private Percentiles() {}

    /** Type-7 quantile of already sorted, non-empty {@code sorted} at probability {@code p}. */
    static double type7(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException("p must be in [0, 1]: " + p);
        }
        double h = (sorted.length - 1) * p;
        int j = (int) Math.floor(h);
        if (j >= sorted.length - 1) {
            return sorted[sorted.length - 1];
        }
        double lo = sorted[j];
        double hi = sorted[j + 1];
        return lo == hi ? lo : lo + (h - j) * (hi - lo);
    }
}
