package dev.retention.stats;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HolmTest {

    @Test
    void adjustsLikeRsPAdjustHolmKeepingInputOrder() {
        // Expected values from the definition p~(i) = max_{j<=i} min(1, (m-j+1) p(j)), computed by hand and with
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
        double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005});
        assertThat(adjusted[0]).isCloseTo(0.03, within(1e-15));
        assertThat(adjusted[1]).isCloseTo(0.06, within(1e-15));
        assertThat(adjusted[2]).isCloseTo(0.06, within(1e-15));
        assertThat(adjusted[3]).isCloseTo(0.02, within(1e-15));
    }

    @Test
    void neverExceedsOneAndLeavesASingleTestAlone() {
        assertThat(Holm.adjust(new double[] {0.6, 0.7})).containsExactly(1.0, 1.0);
        assertThat(Holm.adjust(new double[] {0.042})).containsExactly(0.042);
    }

    @Test
    void refusesValuesThatAreNotProbabilities() {
        assertThatThrownBy(() -> Holm.adjust(new double[] {0.1, Double.NaN})).hasMessageContaining("not in [0, 1]");
    }
}
