package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.retention.stats.ExactUnconditional.Tail;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Power of the forgetting-beyond-margin test against a real 10-point drop: baseline accuracy 0.85,
 * tuned 0.75, with 13% regressions and 3% improvements (16% discordant items, typical of a fine-tune
 * that breaks a capability while fixing a few items).
 */
class PowerTest {

    private static final double ALPHA = 0.05;
    private static final int SUITES = 1000;
    private static final int[] SIZES = {100, 200, 400};
    private static final double[] MARGINS = {0.0, 0.02};

    /**
     * Floors on the simulated power, indexed [margin][size]. The exact powers (computed below and
     * printed) are 0.836 / 0.981 / 0.9999 at delta = 0 and 0.664 / 0.846 / 0.993 at delta = 0.02; each
     * floor sits more than four binomial standard errors (sqrt(p(1-p)/1000)) below its exact value,
     * rounded down, so it fails only if power is genuinely lost.
     */
    private static final double[][] FLOORS = {{0.78, 0.96, 0.99}, {0.60, 0.80, 0.97}};

    @Test
    void powerGrowsWithSuiteSizeAndDetectsATenPointDrop() {
        double[][] simulated = new double[MARGINS.length][SIZES.length];
        double[][] exact = new double[MARGINS.length][SIZES.length];
        StringBuilder table = new StringBuilder(String.format(
                "Power, forgetting beyond margin, alpha = %.2f, true drop 0.85 -> 0.75 (q_b = 0.13, q_c = 0.03),"
                        + " %d simulated suites per cell%n delta     n  simulated  exact%n", ALPHA, SUITES));
        for (int i = 0; i < MARGINS.length; i++) {
            for (int j = 0; j < SIZES.length; j++) {
                int n = SIZES[j];
                double delta = MARGINS[i];
                PairedSimulation drop = new PairedSimulation(n, 0.85, 0.16, -0.10);
                ExactUnconditional test = new ExactUnconditional(n, delta);
                exact[i][j] = drop.rejectionProbability(test, Tail.LOWER,
                        PairedSimulation.criticalStatistic(test, Tail.LOWER, ALPHA));
                simulated[i][j] = simulatePower(drop, delta, 77_000L + 100 * i + j);
                table.append(String.format(" %5.2f  %4d    %6.3f   %6.4f%n", delta, n, simulated[i][j],
                        exact[i][j]));
            }
        }
        System.out.print(table);
        for (int i = 0; i < MARGINS.length; i++) {
            for (int j = 0; j < SIZES.length; j++) {
                String label = "delta=" + MARGINS[i] + " n=" + SIZES[j];
                assertThat(simulated[i][j]).as("power floor, " + label).isGreaterThanOrEqualTo(FLOORS[i][j]);
                double se = Math.sqrt(exact[i][j] * (1 - exact[i][j]) / SUITES);
                assertThat(Math.abs(simulated[i][j] - exact[i][j])).as("simulation vs exact, " + label)
                        .isLessThanOrEqualTo(4 * se + 1.0 / SUITES);
                if (j > 0) {
                    assertThat(simulated[i][j]).as("power increases with n, " + label)
                            .isGreaterThan(simulated[i][j - 1]);
                    assertThat(exact[i][j]).isGreaterThan(exact[i][j - 1]);
                }
            }
        }
        for (int j = 0; j < SIZES.length; j++) {
            assertThat(exact[1][j]).as("a wider margin costs power, n=" + SIZES[j])
                    .isLessThan(exact[0][j]);
        }
    }

    private static double simulatePower(PairedSimulation scenario, double delta, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<Integer, Boolean> cache = new HashMap<>();
        int rejections = 0;
        for (int s = 0; s < SUITES; s++) {
            PairedCounts counts = scenario.sample(random);
            boolean rejected = cache.computeIfAbsent(
                    counts.regressions() * (scenario.n + 1) + counts.improvements(),
                    key -> PairedMarginTest.forgettingBeyondMargin(counts, delta).rejects(ALPHA));
            if (rejected) {
                rejections++;
            }
        }
        return (double) rejections / SUITES;
    }
}
