package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IntervalTest {

    @Test
    void containsBothEndpointsAndNothingOutside() {
        Interval interval = new Interval(-0.1, 0.2, 0.95);
        assertThat(interval.contains(-0.1)).isTrue();
        assertThat(interval.contains(0.2)).isTrue();
        assertThat(interval.contains(0.0)).isTrue();
        assertThat(interval.contains(0.2000001)).isFalse();
        assertThat(interval.contains(Double.NaN)).isFalse();
        assertThat(interval.width()).isEqualTo(0.2 - -0.1);
    }

    @Test
    void rejectsInvertedBoundsAndInvalidLevels() {
        assertThatThrownBy(() -> new Interval(0.3, 0.2, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Interval(Double.NaN, 0.2, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Interval(0.1, 0.2, 0.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Interval(0.1, 0.2, 1.0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
