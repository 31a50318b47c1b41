package dev.retention.assertions;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Diagnostic values and bounds print as a reader would write them, never as padded %g output. */
class DiagnosticNumbersTest {

    @Test
    void countsAndRanksPrintAsIntegers() {
        assertThat(DiagnosticVerdict.number(28)).isEqualTo("28");
        assertThat(DiagnosticVerdict.number(0)).isEqualTo("0");
    }

    @Test
    void smallValuesUseScientificNotationWithoutTrailingZeros() {
        assertThat(DiagnosticVerdict.number(3e-4)).isEqualTo("3e-04");
        assertThat(DiagnosticVerdict.number(1.0332812e-4)).isEqualTo("1.03328e-04");
    }

    @Test
    void otherValuesKeepSixSignificantDigits() {
        assertThat(DiagnosticVerdict.number(0.2744937)).isEqualTo("0.274494");
        assertThat(DiagnosticVerdict.number(0.5)).isEqualTo("0.5");
        assertThat(DiagnosticVerdict.number(2.926487)).isEqualTo("2.92649");
    }

    @Test
    void aMissingValuePrintsNothing() {
        assertThat(DiagnosticVerdict.number(Double.NaN)).isEmpty();
    }
}
