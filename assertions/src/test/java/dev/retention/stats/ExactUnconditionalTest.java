package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.retention.stats.ExactUnconditional.Tail;
import org.junit.jupiter.api.Test;

class ExactUnconditionalTest {

    /**
     * {n, b, c, delta, tail (0 = LOWER, 1 = UPPER), p} from an independent Python brute force: full
     * enumeration of all tables, trinomial pmf from {@code math.comb}, the nuisance on a uniform grid of
     * 5001 points plus golden-section refinement of the five best:
     *
     * <pre>
     * import math
     * def tango(n, b, c, d):
     *     A = 2*n; B = -b - c + (2*n - b + c)*d; C = -c*d*(1 - d)
     *     x = (-B + math.sqrt(B*B - 4*A*C)) / (2*A); v = n*(2*x + d*(1 - d))
     *     return 0.0 if v &lt;= 0 else (c - b + n*d) / math.sqrt(v)
     * def region(n, b, c, d, lower):
     *     z0 = tango(n, b, c, d); tol = 1e-10*max(1, abs(z0))
     *     return [(i, j) for i in range(n+1) for j in range(n+1-i)
     *             if (tango(n, i, j, d) &lt;= z0 + tol if lower else tango(n, i, j, d) &gt;= z0 - tol)]
     * def prob(n, cells, d, x):
     *     qb, qc = x + d, x; qo = max(0.0, 1 - qb - qc)
     *     return sum(math.comb(n, i)*math.comb(n-i, j) * qb**i * qc**j * qo**(n-i-j) for i, j in cells)
     * def sup(n, b, c, d, lower):
     *     cells = region(n, b, c, d, lower); top = (1 - d)/2; G = 5000
     *     vals = [(prob(n, cells, d, top*k/G), k) for k in range(G+1)]; best = max(vals)[0]
     *     for _, k in sorted(vals, reverse=True)[:5]:
     *         lo, hi = top*max(0, k-1)/G, top*min(G, k+1)/G; g = (math.sqrt(5) - 1)/2
     *         while hi - lo > 1e-13:
     *             m1, m2 = hi - g*(hi - lo), lo + g*(hi - lo)
     *             if prob(n, cells, d, m1) >= prob(n, cells, d, m2): hi = m2
     *             else: lo = m1
     *         best = max(best, prob(n, cells, d, (lo + hi)/2))
     *     return best
     * </pre>
     */
    private static final double[][] PYTHON = {
        {10, 3, 0, 0.0, 0, 0.0546875},
        {15, 4, 1, 0.05, 0, 0.24099017102448816},
        {20, 6, 1, 0.10, 0, 0.16583914220968604},
        {25, 2, 3, 0.05, 1, 0.27738957312183377},
        {30, 3, 1, 0.10, 1, 0.4113512395595057},
        {30, 8, 2, 0.0, 0, 0.031545892185417375},
        {12, 0, 0, 0.0, 0, 1.0},
        {20, 0, 0, 0.10, 1, 0.12157665459056935},
        {30, 5, 5, 0.0, 0, 1.0},
        {18, 1, 4, 0.2, 1, 0.006776476532059792},
    };

    @Test
    void exactPValueMatchesIndependentBruteForce() {
        for (double[] row : PYTHON) {
            ExactUnconditional exact = new ExactUnconditional((int) row[0], row[3]);
            double p = exact.pValue((int) row[1], (int) row[2], row[4] == 0 ? Tail.LOWER : Tail.UPPER);
            assertThat(p).as("n=%s b=%s c=%s delta=%s", row[0], row[1], row[2], row[3])
                    .isCloseTo(row[5], within(1e-9));
        }
    }

    @Test
    void prunedEvaluatorMatchesNaiveEnumerationOfEveryTable() {
        for (int n : new int[] {30, 150}) {
            for (double delta : new double[] {0.0, 0.07}) {
                ExactUnconditional exact = new ExactUnconditional(n, delta);
                for (Tail tail : Tail.values()) {
                    ExactUnconditional.Region region =
                            exact.region(exact.statistic(n / 6, n / 20), tail);
                    for (int i = 0; i <= 40; i++) {
                        double x = 0.5 * (1 - delta) * i / 40;
                        assertThat(exact.probability(region, x)).as("n=%s delta=%s x=%s", n, delta, x)
                                .isCloseTo(naiveProbability(exact, region, delta, x), within(1e-12));
                    }
                }
            }
        }
    }

    @Test
    void supremumIsNotBeatenByADenseGrid() {
        Object[][] cases = {{60, 9, 2, 0.05, Tail.LOWER}, {300, 40, 18, 0.03, Tail.LOWER},
                {300, 12, 10, 0.05, Tail.UPPER}, {120, 3, 0, 0.0, Tail.LOWER}};
        for (Object[] k : cases) {
            int n = (Integer) k[0];
            double delta = (Double) k[3];
            ExactUnconditional exact = new ExactUnconditional(n, delta);
            ExactUnconditional.Region region =
                    exact.region(exact.statistic((Integer) k[1], (Integer) k[2]), (Tail) k[4]);
            ExactUnconditional.Supremum sup = exact.supremum(region);
            double denseMax = 0.0;
            for (int i = 0; i <= 2000; i++) {
                denseMax = Math.max(denseMax, exact.probability(region, 0.5 * (1 - delta) * i / 2000));
            }
            assertThat(sup.probability()).as("n=%s", n).isGreaterThanOrEqualTo(denseMax - 1e-12);
            assertThat(exact.probability(region, sup.improvementProbability()))
                    .isCloseTo(sup.probability(), within(1e-15));
        }
    }

    @Test
    void pValueGrowsWithTheObservedStatistic() {
        // Nested regions: the exact p-value is a non-decreasing function of the observed Z.
        ExactUnconditional exact = new ExactUnconditional(80, 0.05);
        double previous = 0.0;
        for (double z = -4.0; z <= 3.0; z += 0.25) {
            double p = exact.supremum(exact.region(z, Tail.LOWER)).probability();
            assertThat(p).isGreaterThanOrEqualTo(previous - 1e-13);
            previous = p;
        }
    }

    private static double naiveProbability(ExactUnconditional exact,
            ExactUnconditional.Region region, double delta, double x) {
        int n = exact.n();
        double sum = 0.0;
        for (int b = 0; b <= n; b++) {
            for (int c = 0; c <= n - b; c++) {
                if (region.contains(b, c)) {
                    sum += PairedSimulation.trinomial(n, b, c, x + delta, x, Math.max(0, 1 - 2 * x - delta));
                }
            }
        }
        return sum;
    }
}
