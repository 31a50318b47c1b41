package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonTest {

    /**
     * {k, n, confidence, lower, upper}, computed in Python with an independent normal quantile:
     *
     * <pre>
     * from statistics import NormalDist; import math
     * def wilson(k, n, conf):
     *     z = NormalDist().inv_cdf(1 - (1 - conf) / 2)
     *     c = (k + z*z/2) / (n + z*z); h = z / (n + z*z) * math.sqrt(k*(n-k)/n + z*z/4)
     *     return max(0.0, c - h), min(1.0, c + h)
     * </pre>
     *
     * (Python gives 2.8e-17 and 0.9999999999999999 for the analytic 0 and 1 at 0/10 and 10/10.)
     */
    private static final double[][] KNOWN = {
        {0, 10, 0.95, 0.0, 0.27753279986288915},
        {10, 10, 0.95, 0.7224672001371107, 1.0},
        {7, 20, 0.95, 0.1811918241010821, 0.5671457233147637},
        {1, 50, 0.99, 0.002352480614833341, 0.15011352743408946},
        {45, 50, 0.99, 0.740269210404316, 0.9660091162215816},
        {500, 1000, 0.95, 0.4690696003681042, 0.5309303996318958},
        {0, 1, 0.99, 0.0, 0.8690224567198142},
        {3, 7, 0.90, 0.18644319036395607, 0.710522908986407},
        {0, 25, 0.99, 0.0, 0.20973346885562538},
        {25, 25, 0.99, 0.7902665311443746, 1.0},
    };

    @Test
    void boundsMatchIndependentlyComputedValues() {
        for (double[] row : KNOWN) {
            Interval interval = Wilson.interval((int) row[0], (int) row[1], row[2]);
            String label = (int) row[0] + "/" + (int) row[1] + " @ " + row[2];
            assertThat(interval.lower()).as(label).isCloseTo(row[3], within(1e-9));
            assertThat(interval.upper()).as(label).isCloseTo(row[4], within(1e-9));
            assertThat(interval.confidence()).isEqualTo(row[2]);
        }
    }

    @Test
    void boundsAreExactlyZeroAndOneAtTheExtremes() {
        assertThat(Wilson.interval(0, 17, 0.95).lower()).isEqualTo(0.0);
        assertThat(Wilson.interval(17, 17, 0.95).upper()).isEqualTo(1.0);
        assertThat(Wilson.interval(0, 17, 0.95).upper()).isLessThan(1.0).isPositive();
        assertThat(Wilson.interval(17, 17, 0.95).lower()).isGreaterThan(0.0).isLessThan(1.0);
    }

    @Test
    void higherConfidenceGivesANestedWiderInterval() {
        Interval narrow = Wilson.interval(30, 80, 0.90);
        Interval wide = Wilson.interval(30, 80, 0.99);
        assertThat(wide.lower()).isLessThan(narrow.lower());
        assertThat(wide.upper()).isGreaterThan(narrow.upper());
    }

    @Test
    void intervalAroundHalfIsSymmetricAndContainsTheEstimate() {
        Interval interval = Wilson.interval(50, 100, 0.95);
        assertThat(interval.contains(0.5)).isTrue();
        assertThat(0.5 - interval.lower()).isCloseTo(interval.upper() - 0.5, within(1e-15));
    }

    @Test
    void rejectsImpossibleCountsAndLevels() {
        assertThatThrownBy(() -> Wilson.interval(-1, 10, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Wilson.interval(11, 10, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Wilson.interval(0, 0, 0.95))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Wilson.interval(3, 10, 1.0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
