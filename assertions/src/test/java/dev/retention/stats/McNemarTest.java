package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class McNemarTest {

    /**
     * {b, c, P[X >= b] for X ~ Binomial(b + c, 1/2)}, exact rational arithmetic rounded once to double:
     *
     * <pre>
     * import math; from fractions import Fraction
     * def p(b, c):
     *     m = b + c; t = math.comb(m, b); s = 0
     *     for k in range(b, m + 1): s += t; t = t * (m - k) // (k + 1)
     *     return float(Fraction(s, 2 ** m))
     * </pre>
     */
    private static final double[][] KNOWN = {
        {5, 0, 0.03125},
        {1, 0, 0.5},
        {7, 3, 0.171875},
        {10, 2, 0.019287109375},
        {3, 10, 0.98876953125},
        {20, 20, 0.5626853438097896},
        {21, 20, 0.5},
        {60, 40, 0.028443966820490395},
        {5, 40, 0.9999999953325585},
        {1000, 900, 0.011554422554450536},
        {30000, 29000, 1.9535104839149855e-05},
        {50500, 49500, 0.0007911799394257978},
        {51000, 49000, 1.294358019173449e-10},
        {49800, 50200, 0.897614234457186},
        {52000, 48000, 5.765469333361488e-37},
    };

    @Test
    void exactPValueMatchesBinomialTail() {
        for (double[] row : KNOWN) {
            double p = McNemar.exactOneSidedPValue((int) row[0], (int) row[1]);
            assertThat(p).as("b=%s c=%s", (int) row[0], (int) row[1])
                    .isCloseTo(row[2], within(1e-12 * row[2]));
        }
    }

    @Test
    void noRegressionsOrNoDiscordanceGivesOne() {
        assertThat(McNemar.exactOneSidedPValue(0, 0)).isEqualTo(1.0);
        assertThat(McNemar.exactOneSidedPValue(0, 7)).isEqualTo(1.0);
    }

    @Test
    void onlyRegressionsGivesTwoToTheMinusB() {
        for (int b = 1; b <= 60; b++) {
            assertThat(McNemar.exactOneSidedPValue(b, 0)).isEqualTo(Math.scalb(1.0, -b));
        }
    }

    @Test
    void moreRegressionsAtFixedDiscordanceGiveSmallerPValues() {
        double previous = 1.0;
        for (int b = 0; b <= 300; b++) {
            double p = McNemar.exactOneSidedPValue(b, 300 - b);
            assertThat(p).isLessThanOrEqualTo(previous);
            previous = p;
        }
    }

    @Test
    void rejectsNegativeCounts() {
        assertThatThrownBy(() -> McNemar.exactOneSidedPValue(-1, 3))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
