package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TangoScoreTest {

    private static final int[][] TABLES = {
        {10, 3, 0}, {15, 4, 1}, {20, 6, 1}, {25, 2, 3}, {30, 0, 0}, {30, 0, 9}, {30, 12, 0},
        {40, 40, 0}, {40, 0, 40}, {40, 20, 20}, {200, 24, 10}, {1000, 120, 50}, {1000, 1, 0},
    };
    private static final double[] MARGINS = {0.0, 0.01, 0.05, 0.1, 0.3, 0.9};

    @Test
    void closedFormRestrictedMleMaximisesTheBoundaryLikelihood() {
        for (int[] t : TABLES) {
            for (double delta : MARGINS) {
                int n = t[0];
                int b = t[1];
                int c = t[2];
                double closed = TangoScore.restrictedImprovementProbability(n, b, c, delta);
                double brute = bruteForceArgmax(n, b, c, delta);
                String label = "n=" + n + " b=" + b + " c=" + c + " delta=" + delta;
                assertThat(closed).as(label).isCloseTo(brute, within(1e-6));
                assertThat(logLikelihood(n, b, c, delta, closed)).as(label)
                        .isGreaterThanOrEqualTo(logLikelihood(n, b, c, delta, brute) - 1e-9);
            }
        }
    }

    @Test
    void statisticMatchesIndependentPythonValues() {
        // Z from the Python brute-force script in ExactUnconditionalTest (plain quadratic formula).
        assertThat(TangoScore.statistic(15, 4, 1, 0.05)).isCloseTo(-1.0358396347937577, within(1e-12));
        assertThat(TangoScore.statistic(20, 6, 1, 0.10)).isCloseTo(-1.211571794150774, within(1e-12));
        assertThat(TangoScore.statistic(25, 2, 3, 0.05)).isCloseTo(0.9728106118241998, within(1e-12));
        assertThat(TangoScore.statistic(18, 1, 4, 0.2)).isCloseTo(2.5927248643506737, within(1e-12));
    }

    @Test
    void zeroMarginGivesMcNemarScoreStatistic() {
        for (int b = 0; b <= 30; b++) {
            for (int c = 0; c <= 30; c++) {
                double expected = b + c == 0 ? 0.0 : (c - b) / Math.sqrt(b + c);
                assertThat(TangoScore.statistic(100, b, c, 0.0)).isCloseTo(expected, within(1e-12));
            }
        }
    }

    @Test
    void zeroVarianceTableCarriesNoEvidence() {
        assertThat(TangoScore.statistic(25, 0, 0, 0.0)).isEqualTo(0.0);
        assertThat(TangoScore.statistic(25, 0, 0, 0.05)).isPositive(); // no drop at all: beats the margin
    }

    @Test
    void signTellsWhetherTheObservedDropExceedsTheMargin() {
        assertThat(TangoScore.statistic(100, 12, 3, 0.05)).isNegative(); // drop 0.09 > 0.05
        assertThat(TangoScore.statistic(100, 6, 3, 0.05)).isPositive(); // drop 0.03 < 0.05
        assertThat(TangoScore.statistic(100, 8, 3, 0.05)).isCloseTo(0.0, within(1e-15)); // exactly 0.05
    }

    /** Barnard convexity: the property that lets the exact test take its supremum on the boundary. */
    @Test
    void statisticDecreasesWithRegressionsAndIncreasesWithImprovements() {
        for (int n : new int[] {1, 2, 3, 7, 20, 41, 100, 250}) {
            for (double delta : new double[] {0.0, 0.02, 0.05, 0.1, 0.25, 0.5, 0.8}) {
                for (int b = 0; b <= n; b++) {
                    for (int c = 0; c + b < n; c++) {
                        double z = TangoScore.statistic(n, b, c, delta);
                        assertThat(TangoScore.statistic(n, b + 1, c, delta)).isLessThanOrEqualTo(z);
                        assertThat(TangoScore.statistic(n, b, c + 1, delta)).isGreaterThanOrEqualTo(z);
                    }
                }
            }
        }
    }

    @Test
    void statisticIsMonotoneOnEveryTableUpToTheExactCutoff() {
        for (int n : new int[] {500, 1000, PairedMarginTest.EXACT_MAX_ITEMS}) {
            for (double delta : new double[] {0.0, 0.01, 0.05, 0.2}) {
                ExactUnconditional tables = new ExactUnconditional(n, delta);
                String firstViolation = null;
                for (int b = 0; b < n && firstViolation == null; b++) {
                    for (int c = 0; c + b < n; c++) {
                        double z = tables.statistic(b, c);
                        if (tables.statistic(b + 1, c) > z || tables.statistic(b, c + 1) < z) {
                            firstViolation = "b=" + b + " c=" + c;
                            break;
                        }
                    }
                }
                assertThat(firstViolation).as("n=%s delta=%s", n, delta).isNull();
            }
        }
    }

    private static double logLikelihood(int n, int b, int c, double delta, double x) {
        int m = n - b - c;
        return term(b, x + delta) + term(c, x) + term(m, 1.0 - delta - 2.0 * x);
    }

    private static double term(int count, double p) {
        return count == 0 ? 0.0 : count * Math.log(p);
    }

    /** Dense grid over the feasible range, then golden-section refinement around the best point. */
    private static double bruteForceArgmax(int n, int b, int c, double delta) {
        double top = 0.5 * (1.0 - delta);
        int grid = 20_000;
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int i = 0; i <= grid; i++) {
            double value = logLikelihood(n, b, c, delta, top * i / grid);
            if (value > bestValue) {
                bestValue = value;
                best = i;
            }
        }
        double lo = top * Math.max(0, best - 1) / grid;
        double hi = top * Math.min(grid, best + 1) / grid;
        double g = 0.5 * (Math.sqrt(5) - 1);
        for (int k = 0; k < 200 && hi - lo > 1e-14; k++) {
            double x1 = hi - g * (hi - lo);
            double x2 = lo + g * (hi - lo);
            if (logLikelihood(n, b, c, delta, x1) >= logLikelihood(n, b, c, delta, x2)) {
                hi = x2;
            } else {
                lo = x1;
            }
        }
        double mid = 0.5 * (lo + hi);
        return logLikelihood(n, b, c, delta, mid) >= bestValue ? mid : top * best / grid;
    }
}
