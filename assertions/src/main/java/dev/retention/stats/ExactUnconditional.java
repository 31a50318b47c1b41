package dev.retention.stats;

import java.util.Arrays;

/**
 * Exact unconditional p-value of Tango's statistic for a paired margin hypothesis: H.-M. Hsueh, J.-P.
 * Liu &amp; J. J. Chen, "Unconditional exact tests for equivalence or noninferiority for paired binary
 * endpoints", Biometrics 57:478-483 (2001), who use the same restricted-MLE score statistic and show
 * the p-value is attained on the null boundary; see also R. L. Berger &amp; K. Sidik, "Exact
 * unconditional tests for a 2x2 matched-pairs design", Stat. Methods Med. Res. 12:91-108 (2003), and
 * the same construction for a rate ratio in I. S. F. Chan, N.-S. Tang, M.-L. Tang &amp; P.-S. Chan,
 * Biometrics 59:1170-1177 (2003). The unconditional principle goes back to Barnard (1947) and Suissa
 * &amp; Shuster (1985).
 *
 * <p>For fixed {@code n} and margin {@code delta}, every table {@code (b', c')} with
 * {@code b' + c' <= n} gets its statistic {@code Z(b', c')} once ({@link TangoScore}). The rejection
 * region of an observed {@code z} is {@code {Z <= z}} (lower tail) or {@code {Z >= z}} (upper tail),
 * ties included with a relative tolerance {@link #TIE_TOLERANCE}. The p-value is
 *
 * <pre>
 *   p = sup_{0 &lt;= x &lt;= (1-delta)/2}  sum_{(b',c') in region}  n! / (b'! c'! m'!)  q_b^b' q_c^c' q_o^m'
 *       with  q_c = x,  q_b = x + delta,  q_o = 1 - q_b - q_c,  m' = n - b' - c',
 * </pre>
 *
 * the supremum of the trinomial probability of the region over the nuisance parameter on the null
 * boundary {@code Delta = -delta}. Tango's {@code Z} is decreasing in {@code b'} and increasing in
 * {@code c'} (checked by the tests), so the region is monotone ("Barnard convex"). Moving a null point
 * from the interior of the null to the boundary only moves probability from "improvement" to
 * "concordant" or from "concordant" to "regression" (lower tail; the reverse for the upper tail), which
 * cannot decrease the probability of a monotone region (a coupling argument, as in Hsueh et al. and
 * Berger &amp; Sidik); the boundary supremum is therefore the supremum over the whole composite null.
 *
 * <p>The supremum is searched on a grid of {@code max(200, ceil(16 sqrt n)) + 1} points equally spaced in
 * {@code phi = asin(sqrt(q_b + q_c))} (the variance-stabilising scale of the discordance rate, about
 * five points per standard error), then refined by golden-section search (to {@code 1e-9} in
 * {@code phi}) in the two grid cells around each of the three highest local maxima.
 *
 * <p>Each evaluation conditions on rows: {@code b' ~ Binomial(n, q_b)} and, given {@code b'},
 * {@code c' ~ Binomial(n - b', q_c / (q_c + q_o))}. Rows are visited outward from the mode (its
 * probability from {@link Binomial#pmf}, then the ratio recurrence of binomial terms) and stop once the
 * row probability is below {@code 1e-18}; within a row only member cells are visited, outward from the
 * member cell nearest the conditional mode (from log-factorials), with the ratio recurrence, stopping
 * below {@code 1e-21}. Both sequences are unimodal, so the neglected probability is below
 * {@code (n+1) 1e-18 + (n+1)^2 1e-21}, under {@code 7e-15} for {@code n <= 2000}. Rounding in the
 * log-factorials ({@code ln n!} is about 13 000 at {@code n = 2000}) bounds the relative error of each
 * term by about {@code 1e-12}, so p-values are accurate to about {@code 1e-12} (relative) plus
 * {@code 1e-14} (absolute).
 */
final class ExactUnconditional {

    /** Which side of the observed statistic counts as at least as extreme. */
    enum Tail {
        /** {@code Z <= z_obs}: evidence of a drop larger than the margin. */
        LOWER,
        /** {@code Z >= z_obs}: evidence of a drop smaller than the margin. */
        UPPER
    }

    /** Position of the supremum: its probability and the nuisance {@code q_c} where it is attained. */
    record Supremum(double probability, double improvementProbability) {}

    /** Relative tolerance under which two statistics are treated as tied. */
    static final double TIE_TOLERANCE = 1e-10;

    /** Minimum number of grid intervals for the nuisance search. */
    static final int MIN_GRID = 200;

    private static final double NEGLIGIBLE_ROW = 1e-18;
    private static final double NEGLIGIBLE_CELL = 1e-21;
    private static final int REFINED_MAXIMA = 3;
    private static final double GOLDEN = 0.5 * (Math.sqrt(5.0) - 1.0);

    private final int n;
    private final double delta;
    private final double[] statistics;
    private final int[] rowStart;
    private final double[] logFactorial;

    /** Computes Tango's statistic for every table with {@code n} items at margin {@code delta}. */
    ExactUnconditional(int n, double delta) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive: " + n);
        }
        this.n = n;
        this.delta = Checks.margin(delta);
        this.rowStart = new int[n + 2];
        for (int b = 0; b <= n; b++) {
            rowStart[b + 1] = rowStart[b] + (n - b + 1);
        }
        this.logFactorial = Binomial.logFactorials(n);
        this.statistics = new double[rowStart[n + 1]];
        for (int b = 0; b <= n; b++) {
            for (int c = 0; c <= n - b; c++) {
                statistics[rowStart[b] + c] = TangoScore.statistic(n, b, c, delta);
            }
        }
    }

    /** Number of items. */
    int n() {
        return n;
    }

    /** Tango's statistic of table {@code (b, c)}. */
    double statistic(int b, int c) {
        return statistics[rowStart[b] + c];
    }

    /** Exact p-value of table {@code (b, c)}: the supremum of its rejection region's probability. */
    double pValue(int b, int c, Tail tail) {
        return Math.min(1.0, supremum(region(statistic(b, c), tail)).probability());
    }

    /**
     * Tables at least as extreme as {@code observed}. Each row {@code b'} is stored as the interval
     * {@code [lo, hi]} of its member columns {@code c'} when the members are contiguous (always the case
     * for Tango's monotone statistic); a row that is not contiguous is kept cell by cell.
     */
    Region region(double observed, Tail tail) {
        double tolerance = TIE_TOLERANCE * Math.max(1.0, Math.abs(observed));
        boolean[] member = new boolean[statistics.length];
        for (int i = 0; i < statistics.length; i++) {
            member[i] = tail == Tail.LOWER
                    ? statistics[i] <= observed + tolerance
                    : statistics[i] >= observed - tolerance;
        }
        return new Region(member);
    }

    /** Rejection region of one table size, row by row. */
    final class Region {
        private final boolean[] member;
        private final int[] lo;
        private final int[] hi;
        private final boolean[] contiguous;

        private Region(boolean[] member) {
            this.member = member;
            this.lo = new int[n + 1];
            this.hi = new int[n + 1];
            this.contiguous = new boolean[n + 1];
            for (int b = 0; b <= n; b++) {
                int first = -1;
                int last = -2;
                int count = 0;
                for (int c = 0; c <= n - b; c++) {
                    if (member[rowStart[b] + c]) {
                        if (first < 0) {
                            first = c;
                        }
                        last = c;
                        count++;
                    }
                }
                lo[b] = first < 0 ? 0 : first;
                hi[b] = first < 0 ? -1 : last;
                contiguous[b] = count == hi[b] - lo[b] + 1;
            }
        }

        /** Whether table {@code (b, c)} belongs to the region. */
        boolean contains(int b, int c) {
            return member[rowStart[b] + c];
        }
    }

    /** Largest probability of {@code region} on the null boundary, with its nuisance location. */
    Supremum supremum(Region region) {
        double lo = Math.asin(Math.sqrt(delta));
        double hi = 0.5 * Math.PI;
        int intervals = Math.max(MIN_GRID, (int) Math.ceil(16.0 * Math.sqrt(n)));
        double[] phi = new double[intervals + 1];
        double[] value = new double[intervals + 1];
        int best = 0;
        for (int i = 0; i <= intervals; i++) {
            phi[i] = i == intervals ? hi : lo + (hi - lo) * i / intervals;
            value[i] = probability(region, improvementProbability(phi[i]));
            if (value[i] > value[best]) {
                best = i;
            }
        }
        double bestPhi = phi[best];
        double bestValue = value[best];
        for (int start : highestLocalMaxima(value)) {
            double a = phi[Math.max(0, start - 1)];
            double b = phi[Math.min(intervals, start + 1)];
            double[] refined = goldenSectionMaximum(region, a, b);
            if (refined[1] > bestValue) {
                bestPhi = refined[0];
                bestValue = refined[1];
            }
        }
        return new Supremum(bestValue, improvementProbability(bestPhi));
    }

    /**
     * Trinomial probability of {@code region} at the boundary point {@code q_c = x},
     * {@code q_b = x + delta}, {@code 0 <= x <= (1 - delta)/2}.
     */
    double probability(Region region, double x) {
        double qc = x;
        double qb = x + delta;
        double qo = Math.max(0.0, 1.0 - qb - qc);
        double conditional = qc / (qc + qo);
        double logRest = Math.log(qc + qo);
        Row row = new Row(region, conditional, Math.log(qc) - logRest, Math.log(qo) - logRest,
                qc / qo, qo / qc);
        double odds = qb / (1.0 - qb);
        int mode = (int) Math.min(n, Math.floor((n + 1) * qb));
        double modeMass = Binomial.pmf(mode, n, qb);
        double sum = row.probability(mode, modeMass);
        double mass = modeMass;
        for (int b = mode; b < n; b++) {
            mass *= (double) (n - b) / (b + 1) * odds;
            if (mass < NEGLIGIBLE_ROW) {
                break;
            }
            sum += row.probability(b + 1, mass);
        }
        mass = modeMass;
        for (int b = mode; b > 0; b--) {
            mass *= (double) b / (n - b + 1) / odds;
            if (mass < NEGLIGIBLE_ROW) {
                break;
            }
            sum += row.probability(b - 1, mass);
        }
        return sum;
    }

    /** Row sums at one boundary point; {@code c' | b' ~ Binomial(n - b', conditional)}. */
    private final class Row {
        private final Region region;
        private final double conditional;
        private final double logConditional;
        private final double logComplement;
        private final double up;
        private final double down;

        Row(Region region, double conditional, double logConditional, double logComplement,
                double up, double down) {
            this.region = region;
            this.conditional = conditional;
            this.logConditional = logConditional;
            this.logComplement = logComplement;
            this.up = up;
            this.down = down;
        }

        /**
         * Probability of the region's cells in row {@code b}: {@code mass} times the conditional
         * probability of the member columns. The walk starts at the member column nearest the
         * conditional mode (the largest member term, by unimodality) and moves outwards with
         * {@code t(c+1) = t(c) (m - c)/(c + 1) * q_c/q_o} until terms are negligible.
         */
        double probability(int b, double mass) {
            int m = n - b;
            int lo = region.contiguous[b] ? region.lo[b] : 0;
            int hi = region.contiguous[b] ? region.hi[b] : m;
            if (lo > hi) {
                return 0.0;
            }
            int mode = (int) Math.min(m, Math.floor((m + 1) * conditional));
            int start = Math.min(Math.max(mode, lo), hi);
            int offset = rowStart[b];
            double peak = mass * Math.exp(logFactorial[m] - logFactorial[start] - logFactorial[m - start]
                    + times(start, logConditional) + times(m - start, logComplement));
            double sum = region.member[offset + start] ? peak : 0.0;
            if (peak < NEGLIGIBLE_CELL) {
                return sum;
            }
            double term = peak;
            for (int c = start; c < hi; c++) {
                term *= (double) (m - c) / (c + 1) * up;
                if (term < NEGLIGIBLE_CELL) {
                    break;
                }
                if (region.member[offset + c + 1]) {
                    sum += term;
                }
            }
            term = peak;
            for (int c = start; c > lo; c--) {
                term *= (double) c / (m - c + 1) * down;
                if (term < NEGLIGIBLE_CELL) {
                    break;
                }
                if (region.member[offset + c - 1]) {
                    sum += term;
                }
            }
            return sum;
        }
    }

    /** {@code k * logP} with the convention {@code 0 * log 0 = 0}. */
    private static double times(int k, double logP) {
        return k == 0 ? 0.0 : k * logP;
    }

    /** {@code q_c} on the boundary at discordance {@code q_b + q_c = sin^2(phi)}. */
    private double improvementProbability(double phi) {
        double s = Math.sin(phi);
        double x = 0.5 * (s * s - delta);
        return Math.min(Math.max(x, 0.0), 0.5 * (1.0 - delta));
    }

    private static int[] highestLocalMaxima(double[] value) {
        int[] top = new int[REFINED_MAXIMA];
        Arrays.fill(top, -1);
        for (int i = 0; i < value.length; i++) {
            boolean peak = (i == 0 || value[i] >= value[i - 1])
                    && (i == value.length - 1 || value[i] >= value[i + 1]);
            if (!peak) {
                continue;
            }
            for (int k = 0; k < top.length; k++) {
                if (top[k] < 0 || value[i] > value[top[k]]) {
                    System.arraycopy(top, k, top, k + 1, top.length - k - 1);
                    top[k] = i;
                    break;
                }
            }
        }
        return Arrays.stream(top).filter(i -> i >= 0).toArray();
    }

    /** Golden-section search for the maximum over {@code phi in [a, b]}; returns {phi, value}. */
    private double[] goldenSectionMaximum(Region region, double a, double b) {
        double c = b - GOLDEN * (b - a);
        double d = a + GOLDEN * (b - a);
        double fc = probability(region, improvementProbability(c));
        double fd = probability(region, improvementProbability(d));
        double bestPhi = fc >= fd ? c : d;
        double bestValue = Math.max(fc, fd);
        for (int iteration = 0; iteration < 100 && b - a > 1e-9; iteration++) {
            if (fc >= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - GOLDEN * (b - a);
                fc = probability(region, improvementProbability(c));
                if (fc > bestValue) {
                    bestValue = fc;
                    bestPhi = c;
                }
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + GOLDEN * (b - a);
                fd = probability(region, improvementProbability(d));
                if (fd > bestValue) {
                    bestValue = fd;
                    bestPhi = d;
                }
            }
        }
        return new double[] {bestPhi, bestValue};
    }
}
