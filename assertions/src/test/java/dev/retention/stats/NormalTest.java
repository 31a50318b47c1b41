package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormalTest {

    /**
     * {p, Phi^-1(p)} from Python's statistics module (Wichura's AS241, an algorithm independent of
     * Acklam's; spot-checked against mpmath at 40 digits):
     * {@code from statistics import NormalDist; print(repr(NormalDist().inv_cdf(p)))}.
     */
    private static final double[][] QUANTILES = {
        {1e-300, -37.0470962993612},
        {1e-12, -7.034483825301132},
        {1e-05, -4.2648907939228256},
        {0.001, -3.090232306167813},
        {0.0125, -2.2414027276049446},
        {0.02425, -1.9729610513118845},
        {0.1, -1.2815515655446008},
        {0.3, -0.5244005127080407},
        {0.5, 0.0},
        {0.8, 0.8416212335729144},
        {0.975, 1.9599639845400536},
        {0.995, 2.5758293035489},
        {0.9999, 3.7190164854557084},
        {0.9999999999, 6.361340889697421},
    };

    /** {x, erfc(x)} from CPython's {@code math.erfc} (C libm): {@code print(repr(math.erfc(x)))}. */
    private static final double[][] ERFC = {
        {-3.0, 1.9999779095030015},
        {-0.5, 1.5204998778130465},
        {0.0, 1.0},
        {0.3, 0.6713732405408726},
        {1.0, 0.15729920705028513},
        {1.2499, 0.07712352681246808},
        {1.25, 0.07709987174354177},
        {2.0, 0.004677734981047265},
        {3.5, 7.430983723414128e-07},
        {5.0, 1.5374597944280351e-12},
        {10.0, 2.088487583762545e-45},
        {26.0, 5.663192408856143e-296},
    };

    @Test
    void erfcMatchesReferenceToFullRelativePrecisionAcrossBothBranches() {
        for (double[] row : ERFC) {
            assertThat(Normal.erfc(row[0])).as("erfc(%s)", row[0])
                    .isCloseTo(row[1], within(1e-14 * row[1]));
        }
    }

    @Test
    void quantileMatchesIndependentAlgorithmToTwelveDigits() {
        for (double[] row : QUANTILES) {
            assertThat(Normal.quantile(row[0])).as("quantile(%s)", row[0])
                    .isCloseTo(row[1], within(1e-12 * Math.max(1.0, Math.abs(row[1]))));
        }
    }

    @Test
    void acklamStartingPointIsWithinItsPublishedRelativeError() {
        for (double[] row : QUANTILES) {
            if (row[1] != 0.0) {
                assertThat(Normal.acklam(row[0])).as("acklam(%s)", row[0])
                        .isCloseTo(row[1], within(1.15e-9 * Math.abs(row[1])));
            }
        }
    }

    @Test
    void quantileInvertsTheCdfDeepIntoTheLowerTail() {
        // Upper-tail round trips are ill-conditioned (p near 1 has too few digits left); the upper half
        // is covered by the symmetry test below.
        for (double z = -37.5; z <= 0.5; z += 0.37) {
            double p = Normal.cdf(z);
            assertThat(Normal.quantile(p)).as("z=%s", z).isCloseTo(z, within(1e-12 * Math.max(1, -z)));
        }
    }

    @Test
    void quantileIsAntisymmetric() {
        for (double p : new double[] {0.5000001, 0.51, 0.8, 0.99, 1 - 1e-9}) {
            assertThat(Normal.quantile(p)).isEqualTo(-Normal.quantile(1 - p)); // 1 - p is exact here
        }
    }

    @Test
    void quantileRejectsProbabilitiesOutsideTheOpenUnitInterval() {
        for (double p : new double[] {0.0, 1.0, -0.1, Double.NaN}) {
            assertThatThrownBy(() -> Normal.quantile(p)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
