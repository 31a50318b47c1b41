package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.retention.stats.ExactUnconditional.Tail;
import org.junit.jupiter.api.Test;

class PairedMarginTestTest {

    @Test
    void moreRegressionsGiveSmallerForgettingPValuesAndLargerRetentionPValues() {
        double previousForgetting = 1.0;
        double previousRetention = 0.0;
        for (int b = 0; b <= 30; b++) {
            MarginTestResult forgetting = PairedMarginTest.forgettingBeyondMargin(60, b, 3, 0.05);
            MarginTestResult retention = PairedMarginTest.retentionWithinMargin(60, b, 3, 0.05);
            assertThat(forgetting.pValue()).isLessThanOrEqualTo(previousForgetting);
            assertThat(retention.pValue()).isGreaterThanOrEqualTo(previousRetention);
            previousForgetting = forgetting.pValue();
            previousRetention = retention.pValue();
        }
        assertThat(previousForgetting).isLessThan(1e-4);
        assertThat(previousRetention).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void clearForgettingIsRejectedAndClearRetentionIsShown() {
        // 200 items, 30 regressions vs 4 improvements: a 13-point drop.
        MarginTestResult forgetting = PairedMarginTest.forgettingBeyondMargin(200, 30, 4, 0.05);
        assertThat(forgetting.rejects(0.05)).isTrue();
        assertThat(forgetting.hypothesis()).isEqualTo(MarginHypothesis.FORGETTING_BEYOND_MARGIN);
        assertThat(forgetting.method()).isEqualTo(PValueMethod.EXACT_UNCONDITIONAL);
        assertThat(forgetting.observedDifference()).isCloseTo(-0.13, within(1e-15));
        // 200 items, 5 regressions vs 5 improvements: no drop; retention within 5 points is shown.
        MarginTestResult retention = PairedMarginTest.retentionWithinMargin(200, 5, 5, 0.05);
        assertThat(retention.rejects(0.05)).isTrue();
        assertThat(PairedMarginTest.forgettingBeyondMargin(200, 5, 5, 0.05).rejects(0.05)).isFalse();
    }

    @Test
    void tinySuitesHaveHandComputablePValues() {
        // delta = 0, all n items regressed: only that table is as extreme, with probability q_b^n,
        // maximised on the boundary q_b = q_c at q_b = 1/2, so p = 2^-n (McNemar agrees here).
        for (int n = 1; n <= 6; n++) {
            assertThat(PairedMarginTest.forgettingBeyondMargin(n, n, 0, 0.0).pValue())
                    .isCloseTo(Math.scalb(1.0, -n), within(1e-12));
        }
        // n = 10, b = 3, c = 0: the supremum sits at q_b = q_c = 1/2, where Z <= Z(3, 0) = -sqrt(3)
        // means b' >= 8 among 10 discordant items: (45 + 10 + 1) / 1024.
        assertThat(PairedMarginTest.forgettingBeyondMargin(10, 3, 0, 0.0).pValue())
                .isCloseTo(56.0 / 1024, within(1e-12));
    }

    @Test
    void smallSuitesDoNotFailOnANoisyDrop() {
        // 20 items, 3 regressions and 0 improvements: a 15-point observed drop, but with 20 items this is
        // not evidence of a drop beyond 5 points.
        MarginTestResult result = PairedMarginTest.forgettingBeyondMargin(20, 3, 0, 0.05);
        assertThat(result.observedDifference()).isEqualTo(-0.15);
        assertThat(result.rejects(0.05)).isFalse();
    }

    @Test
    void zeroVarianceTableGivesPValueOneInBothModes() {
        // delta = 0 and b = c = 0: Z := 0; the region Z <= 0 (or >= 0) has probability 1 when q_b = q_c = 0.
        assertThat(PairedMarginTest.forgettingBeyondMargin(30, 0, 0, 0.0).pValue()).isEqualTo(1.0);
        assertThat(PairedMarginTest.retentionWithinMargin(30, 0, 0, 0.0).pValue()).isEqualTo(1.0);
        assertThat(PairedMarginTest.forgettingBeyondMargin(30, 0, 0, 0.0).statistic()).isEqualTo(0.0);
    }

    @Test
    void zeroMarginForgettingTestAndMcNemarAreBothValidButNeitherBoundsTheOther() {
        // At delta = 0 both test H0: Delta >= 0. Both keep their exact rejection probability at
        // alpha = 0.05 below alpha along the null boundary (a grid of discordance rates q_b + q_c).
        int n = 50;
        ExactUnconditional exact = new ExactUnconditional(n, 0.0);
        double critical = PairedSimulation.criticalStatistic(exact, Tail.LOWER, 0.05);
        boolean unconditionalSmaller = false;
        boolean mcNemarSmaller = false;
        for (int b = 1; b <= n; b++) {
            for (int c = 0; c < b && b + c <= n; c++) {
                double unconditional = PairedMarginTest.forgettingBeyondMargin(n, b, c, 0.0).pValue();
                double conditional = McNemar.exactOneSidedPValue(b, c);
                unconditionalSmaller |= unconditional < conditional - 1e-12;
                mcNemarSmaller |= conditional < unconditional - 1e-12;
            }
        }
        assertThat(unconditionalSmaller).isTrue();
        assertThat(mcNemarSmaller).isTrue(); // e.g. (b, c) = (6, 3): 0.2666 vs 0.2539
        for (int i = 1; i <= 20; i++) {
            PairedSimulation boundary = new PairedSimulation(n, 0.7, i / 40.0, 0.0);
            assertThat(boundary.rejectionProbability(exact, Tail.LOWER, critical)).isLessThanOrEqualTo(0.05);
            assertThat(mcNemarSize(boundary, 0.05)).isLessThanOrEqualTo(0.05);
        }
    }

    @Test
    void unconditionalTestIsAtLeastAsPowerfulAsMcNemarForATenPointDrop() {
        int n = 100;
        PairedSimulation drop = new PairedSimulation(n, 0.85, 0.16, -0.10);
        ExactUnconditional exact = new ExactUnconditional(n, 0.0);
        double critical = PairedSimulation.criticalStatistic(exact, Tail.LOWER, 0.05);
        double unconditional = drop.rejectionProbability(exact, Tail.LOWER, critical);
        double conditional = mcNemarSize(drop, 0.05);
        System.out.printf("power n=100, 10-point drop: unconditional %.4f, McNemar %.4f%n",
                unconditional, conditional);
        assertThat(unconditional).isGreaterThanOrEqualTo(conditional);
    }

    @Test
    void largeSuitesFallBackToTheAsymptoticPValueAndSaySo() {
        int n = PairedMarginTest.EXACT_MAX_ITEMS + 1;
        MarginTestResult forgetting = PairedMarginTest.forgettingBeyondMargin(n, 260, 150, 0.03);
        assertThat(forgetting.method()).isEqualTo(PValueMethod.ASYMPTOTIC);
        assertThat(forgetting.pValue()).isEqualTo(Normal.cdf(forgetting.statistic()));
        MarginTestResult retention = PairedMarginTest.retentionWithinMargin(n, 260, 150, 0.03);
        assertThat(retention.pValue()).isEqualTo(Normal.cdf(-retention.statistic()));
        assertThat(PairedMarginTest.forgettingBeyondMargin(n - 1, 260, 150, 0.03).method())
                .isEqualTo(PValueMethod.EXACT_UNCONDITIONAL);
    }

    @Test
    void atTheCutoffTheAsymptoticPValueIsSlightlyLessConservative() {
        // Near alpha at n = 2000 the asymptotic p-value is 0-15% (relative) below the exact one: the
        // exact p-value is a supremum over the nuisance, the asymptotic one is not. This bounds the jump
        // in p between n = EXACT_MAX_ITEMS and EXACT_MAX_ITEMS + 1.
        int n = PairedMarginTest.EXACT_MAX_ITEMS;
        Object[][] tables = {
            {MarginHypothesis.FORGETTING_BEYOND_MARGIN, 200, 150, 0.0},
            {MarginHypothesis.FORGETTING_BEYOND_MARGIN, 200, 160, 0.0},
            {MarginHypothesis.FORGETTING_BEYOND_MARGIN, 200, 170, 0.0},
            {MarginHypothesis.RETENTION_WITHIN_MARGIN, 200, 130, 0.05},
        };
        for (Object[] t : tables) {
            MarginHypothesis hypothesis = (MarginHypothesis) t[0];
            int b = (Integer) t[1];
            int c = (Integer) t[2];
            double delta = (Double) t[3];
            double exact = PairedMarginTest.test(hypothesis, n, b, c, delta,
                    PValueMethod.EXACT_UNCONDITIONAL).pValue();
            double asymptotic = PairedMarginTest.test(hypothesis, n, b, c, delta,
                    PValueMethod.ASYMPTOTIC).pValue();
            System.out.printf("%s n=%d b=%d c=%d delta=%.2f: exact %.5f, asymptotic %.5f%n",
                    hypothesis, n, b, c, delta, exact, asymptotic);
            assertThat(asymptotic / exact).isBetween(0.85, 1.0);
        }
    }

    @Test
    void rejectsImpossibleArguments() {
        assertThatThrownBy(() -> PairedMarginTest.forgettingBeyondMargin(10, 6, 5, 0.05))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PairedMarginTest.forgettingBeyondMargin(10, 1, 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PairedMarginTest.retentionWithinMargin(10, 1, 1, -0.01))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PairedMarginTest.retentionWithinMargin(0, 0, 0, 0.05))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PairedMarginTest.forgettingBeyondMargin(10, 1, 1, 0.05).rejects(0.0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Exact probability that McNemar's one-sided exact test rejects at {@code alpha}. */
    private static double mcNemarSize(PairedSimulation scenario, double alpha) {
        double sum = 0.0;
        double concordant = 1 - scenario.regression - scenario.improvement;
        for (int b = 0; b <= scenario.n; b++) {
            for (int c = 0; b + c <= scenario.n; c++) {
                if (McNemar.exactOneSidedPValue(b, c) <= alpha) {
                    sum += PairedSimulation.trinomial(scenario.n, b, c, scenario.regression,
                            scenario.improvement, concordant);
                }
            }
        }
        return sum;
    }
}
