package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PairedCountsTest {

    @Test
    void talliesRegressionsImprovementsAndAccuracies() {
        boolean[] baseline = {true, true, true, false, false, true, false};
        boolean[] tuned = {true, false, false, true, false, true, false};
        PairedCounts counts = PairedCounts.of(baseline, tuned);
        assertThat(counts.n()).isEqualTo(7);
        assertThat(counts.regressions()).isEqualTo(2);
        assertThat(counts.improvements()).isEqualTo(1);
        assertThat(counts.discordant()).isEqualTo(3);
        assertThat(counts.baselineCorrect()).isEqualTo(4);
        assertThat(counts.tunedCorrect()).isEqualTo(3);
        assertThat(counts.baselineAccuracy()).isCloseTo(4.0 / 7, within(1e-15));
        assertThat(counts.tunedAccuracy()).isCloseTo(3.0 / 7, within(1e-15));
        assertThat(counts.accuracyDifference())
                .isCloseTo(counts.tunedAccuracy() - counts.baselineAccuracy(), within(1e-15));
    }

    @Test
    void rejectsUnpairedOrEmptyInputs() {
        assertThatThrownBy(() -> PairedCounts.of(new boolean[3], new boolean[4]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length");
        assertThatThrownBy(() -> PairedCounts.of(new boolean[0], new boolean[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsImpossibleTables() {
        assertThatThrownBy(() -> new PairedCounts(10, 5, 0, 4))
                .isInstanceOf(IllegalArgumentException.class); // more regressions than baseline hits
        assertThatThrownBy(() -> new PairedCounts(10, 0, 7, 4))
                .isInstanceOf(IllegalArgumentException.class); // more improvements than baseline misses
        assertThatThrownBy(() -> new PairedCounts(0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
