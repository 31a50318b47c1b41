package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    private static final double[] ONE_TO_FOUR = {1, 2, 3, 4};

    @Test
    void interpolatesLinearlyBetweenOrderStatisticsAsNumpyDefault() {
        // By hand: h = 3p; numpy.percentile([1, 2, 3, 4], [25, 50, 90]) == [1.75, 2.5, 3.7].
        assertThat(Percentiles.type7(ONE_TO_FOUR, 0.25)).isCloseTo(1.75, within(1e-15));
        assertThat(Percentiles.type7(ONE_TO_FOUR, 0.5)).isCloseTo(2.5, within(1e-15));
        assertThat(Percentiles.type7(ONE_TO_FOUR, 0.9)).isCloseTo(3.7, within(1e-15));
        assertThat(Percentiles.type7(new double[] {10, 20}, 0.3)).isCloseTo(13.0, within(1e-15));
    }

    @Test
    void endpointsAreTheExtremes() {
        assertThat(Percentiles.type7(ONE_TO_FOUR, 0.0)).isEqualTo(1.0);
        assertThat(Percentiles.type7(ONE_TO_FOUR, 1.0)).isEqualTo(4.0);
        assertThat(Percentiles.type7(new double[] {7}, 0.3)).isEqualTo(7.0);
    }

    @Test
    void tiedNeighboursGiveTheTiedValueExactly() {
        assertThat(Percentiles.type7(new double[] {0.1, 0.1, 0.1, 0.3}, 0.4)).isEqualTo(0.1);
    }

    @Test
    void rejectsProbabilitiesOutsideTheUnitInterval() {
        assertThatThrownBy(() -> Percentiles.type7(ONE_TO_FOUR, 1.01))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Percentiles.type7(new double[0], 0.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
