package dev.retention.stats;

/**
 * Standard normal distribution: complementary error function, CDF and quantile, all to near machine
 * precision (relative error of order 1e-15 in both tails).
 *
 * <ul>
 *   <li>{@code erfc(x)} for {@code 0 <= x < 1.25}: {@code 1 - erf(x)} with the positive-term series
 *       {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_k 2^k x^(2k+1) / (1*3*...*(2k+1))}
 *       (Abramowitz &amp; Stegun 7.1.6); here {@code erfc >= 0.077}, so the subtraction loses nothing.
 *   <li>{@code erfc(x)} for {@code x >= 1.25}: {@code erfc(x) = Gamma(1/2, x^2) / sqrt(pi)} with the
 *       continued fraction of the upper incomplete gamma function, evaluated by the modified Lentz
 *       method (Press et al., Numerical Recipes, 3rd ed., section 6.2); {@code exp(-x^2)} is formed
 *       from an exact split of {@code x^2} (as in Cody's algorithm) so the tail keeps its relative
 *       accuracy.
 *   <li>{@code quantile(p)}: Acklam's rational approximation (relative error 1.15e-9) followed by one
 *       Halley step {@code x -= u / (1 + x u / 2)}, {@code u = (Phi(x) - p) / phi(x)}, which is cubically
 *       convergent and brings the error to the accuracy of {@link #cdf}.
 * </ul>
 */
final class Normal {

    private static final double SQRT_PI = 1.7724538509055160273;
    private static final double SQRT_2 = 1.4142135623730950488;
    private static final double LOG_SQRT_2PI = 0.91893853320467274178;
    private static final double SERIES_LIMIT = 1.25;
    private static final double TINY = 1e-300;

    private Normal() {}

    /** Complementary error function {@code erfc(x) = 2/sqrt(pi) * integral_x^inf exp(-t^2) dt}. */
    static double erfc(double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x < 0) {
            return 2.0 - erfc(-x);
        }
        if (x < SERIES_LIMIT) {
            return 1.0 - erfSeries(x);
        }
        if (x > 27.3) {
            return 0.0; // erfc(27.3) < 1e-325: below the smallest subnormal double
        }
        return expMinusSquare(x) * x / SQRT_PI * gammaHalfContinuedFraction(x * x);
    }

    /** Lower-tail probability {@code Phi(z) = erfc(-z / sqrt 2) / 2}. */
    static double cdf(double z) {
        return 0.5 * erfc(-z / SQRT_2);
    }

    /** Density {@code phi(z) = exp(-z^2 / 2) / sqrt(2 pi)}. */
    static double density(double z) {
        return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    }

    /**
     * Quantile {@code Phi^-1(p)} for {@code 0 < p < 1}. Upper-half arguments use the symmetry
     * {@code Phi^-1(p) = -Phi^-1(1 - p)} ({@code 1 - p} is exact for {@code p >= 1/2}), so the Halley
     * step always works with the accurately computed lower tail.
     */
    static double quantile(double p) {
        if (!(p > 0.0 && p < 1.0)) {
            throw new IllegalArgumentException("probability must be in (0, 1): " + p);
        }
        if (p > 0.5) {
            return -quantile(1.0 - p);
        }
        double x = acklam(p);
        double e = cdf(x) - p;
        if (e != 0.0) {
            // u = e / phi(x), formed in log space so that it neither overflows nor underflows.
            double u = Math.copySign(Math.exp(Math.log(Math.abs(e)) + 0.5 * x * x + LOG_SQRT_2PI), e);
            x -= u / (1.0 + 0.5 * x * u);
        }
        return x;
    }

    /**
     * Acklam's rational approximation to {@code Phi^-1(p)}, relative error below 1.15e-9 (P. J. Acklam,
     * "An algorithm for computing the inverse normal cumulative distribution function", 2003).
     */
    static double acklam(double p) {
        final double pLow = 0.02425;
        if (p < pLow) {
            double q = Math.sqrt(-2.0 * Math.log(p));
            return tail(q);
        }
        if (p > 1.0 - pLow) {
            double q = Math.sqrt(-2.0 * Math.log1p(-p));
            return -tail(q);
        }
        double q = p - 0.5;
        double r = q * q;
        double num = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r
                - 2.759285104469687e+02) * r + 1.383577518672690e+02) * r
                - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q;
        double den = ((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r
                - 1.556989798598866e+02) * r + 6.680131188771972e+01) * r
                - 1.328068155288572e+01) * r + 1.0;
        return num / den;
    }

    private static double tail(double q) {
        double num = ((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
                - 2.400758277161838e+00) * q - 2.549732539343734e+00) * q
                + 4.374664141464968e+00) * q + 2.938163982698783e+00;
        double den = (((7.784695709041462e-03 * q + 3.224671290700398e-01) * q
                + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1.0;
        return num / den;
    }

    /** {@code erf(x)} for {@code 0 <= x < 1.25} by the positive-term series (A&amp;S 7.1.6). */
    private static double erfSeries(double x) {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int k = 1; k < 200; k++) {
            term *= 2.0 * x2 / (2 * k + 1);
            double next = sum + term;
            if (next == sum) {
                break;
            }
            sum = next;
        }
        return 2.0 / SQRT_PI * Math.exp(-x2) * sum;
    }

    /** {@code exp(-x^2)} with {@code x^2 = h^2 + (x - h)(x + h)}, {@code h = floor(16 x) / 16} exact. */
    private static double expMinusSquare(double x) {
        double h = Math.floor(x * 16.0) / 16.0;
        double del = (x - h) * (x + h);
        return Math.exp(-h * h) * Math.exp(-del);
    }

    /**
     * Continued fraction {@code Gamma(a, y) = exp(-y) y^a * 1/(y+1-a- 1(1-a)/(y+3-a- 2(2-a)/(y+5-a- ...)))}
     * for {@code a = 1/2}; returns the fraction only. Converges quickly for {@code y > a + 1}.
     */
    private static double gammaHalfContinuedFraction(double y) {
        final double a = 0.5;
        double b = y + 1.0 - a;
        double c = 1.0 / TINY;
        double d = 1.0 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = b + an / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1.0 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1.0) < 1e-16) {
                break;
            }
        }
        return h;
    }
}
