package dev.retention.stats;

/**
 * Tango's score statistic for the paired difference {@code Delta = q_c - q_b} at a null value
 * {@code Delta_0 = -delta} (T. Tango, "Equivalence test and confidence interval for the difference in
 * proportions for the paired-sample design", Stat. Med. 17:891-908, 1998).
 *
 * <p>Model: each item falls in one of three cells with probabilities {@code q_b} (regression),
 * {@code q_c} (improvement) and {@code 1 - q_b - q_c} (concordant); counts {@code (b, c, n-b-c)} are
 * trinomial. Since {@code c - b} has variance {@code n[(q_b + q_c) - (q_c - q_b)^2]}, on the boundary
 * {@code q_b = q_c + delta} it is {@code n(2 q_c + delta(1 - delta))}, and the statistic is
 *
 * <pre>
 *   Z = (c - b + n delta) / sqrt( n (2 q~_c + delta (1 - delta)) )
 *     = (c - b + n delta) / sqrt( n (2 q~_b - delta (1 + delta)) ),   q~_b = q~_c + delta,
 * </pre>
 *
 * where {@code q~_c} is the maximum-likelihood estimate of the improvement probability restricted to
 * the boundary. Negative {@code Z} points to a drop larger than {@code delta}, positive {@code Z} to a
 * drop smaller than {@code delta}.
 *
 * <p>Restricted MLE. With {@code x = q_c}, maximise
 * {@code L(x) = b ln(x + delta) + c ln x + (n-b-c) ln(1 - delta - 2x)} over {@code 0 <= x <= (1-delta)/2}.
 * Clearing denominators in {@code L'(x) = 0} gives
 *
 * <pre>
 *   2n x^2 + B x + C = 0,   B = -(b + c) + delta (2n - b + c),   C = -c delta (1 - delta),
 * </pre>
 *
 * Tango's equation (with his {@code x12 = b}, {@code x21 = c}). As {@code C <= 0} the roots have
 * product {@code <= 0}; the non-negative root {@code x = (-B + sqrt(B^2 - 8nC)) / (4n)} is the maximiser
 * (evaluated as {@code -2C / (B + sqrt(B^2 - 8nC))} when {@code B > 0} to avoid cancellation).
 *
 * <p>Zero variance happens only for {@code delta = 0} and {@code b = c = 0} (then {@code q~_c = 0} and
 * the numerator is 0 too): that table carries no evidence either way and is assigned {@code Z = 0}.
 * For {@code delta = 0}, {@code Z = (c - b) / sqrt(b + c)}, McNemar's score statistic.
 */
final class TangoScore {

    private TangoScore() {}

    /** Restricted MLE {@code q~_c} of the improvement probability under {@code q_c - q_b = -delta}. */
    static double restrictedImprovementProbability(int n, int b, int c, double delta) {
        double bb = -(double) (b + c) + delta * (2.0 * n - b + c);
        double cc = -c * delta * (1.0 - delta);
        double root = Math.sqrt(bb * bb - 8.0 * n * cc);
        double x = bb > 0 ? -2.0 * cc / (bb + root) : (root - bb) / (4.0 * n);
        return Math.min(Math.max(x, 0.0), 0.5 * (1.0 - delta));
    }

    /** Tango's {@code Z} for {@code b} regressions and {@code c} improvements among {@code n} items. */
    static double statistic(int n, int b, int c, double delta) {
        double x = restrictedImprovementProbability(n, b, c, delta);
        double variance = n * (2.0 * x + delta * (1.0 - delta));
        double numerator = c - b + n * delta;
        if (variance <= 0.0) {
            return 0.0; // delta = 0, b = c = 0: numerator is 0 as well
        }
        return numerator / Math.sqrt(variance);
    }
}
