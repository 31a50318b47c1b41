package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class BinomialTest {

    @Test
    void logFactorialIncrementsAreLogarithmsAcrossTableAndSeriesJunctions() {
        for (int k = 1; k <= 5000; k++) {
            double increment = Binomial.logFactorial(k) - Binomial.logFactorial(k - 1);
            assertThat(increment).as("k=%s", k)
                    .isCloseTo(Math.log(k), within(4 * Math.ulp(Binomial.logFactorial(k)) + 1e-15));
        }
    }

    @Test
    void pmfMatchesExactRationalProbabilities() {
        // C(m, k) p^k (1-p)^(m-k) with p = 3/10 in exact decimal arithmetic.
        BigDecimal p = new BigDecimal("0.3");
        BigDecimal q = new BigDecimal("0.7");
        for (int m : new int[] {1, 7, 40, 333}) {
            for (int k = 0; k <= m; k += Math.max(1, m / 9)) {
                BigDecimal exact = new BigDecimal(binomialCoefficient(m, k))
                        .multiply(p.pow(k)).multiply(q.pow(m - k));
                double expected = exact.round(MathContext.DECIMAL64).doubleValue();
                assertThat(Binomial.pmf(k, m, 0.3)).as("m=%s k=%s", m, k)
                        .isCloseTo(expected, within(1e-13 * expected));
            }
        }
    }

    @Test
    void pmfOfDegenerateProbabilitiesIsZeroOrOne() {
        assertThat(Binomial.pmf(0, 12, 0.0)).isEqualTo(1.0);
        assertThat(Binomial.pmf(3, 12, 0.0)).isEqualTo(0.0);
        assertThat(Binomial.pmf(12, 12, 1.0)).isEqualTo(1.0);
        assertThat(Binomial.pmf(11, 12, 1.0)).isEqualTo(0.0);
    }

    private static BigInteger binomialCoefficient(int m, int k) {
        BigInteger result = BigInteger.ONE;
        for (int i = 0; i < k; i++) {
            result = result.multiply(BigInteger.valueOf(m - i)).divide(BigInteger.valueOf(i + 1));
        }
        return result;
    }
}
