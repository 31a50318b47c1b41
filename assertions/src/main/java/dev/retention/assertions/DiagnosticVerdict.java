package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Locale;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * The outcome of a weight-space or distribution diagnostic.
 *
 * @param kind {@code weights}, {@code fisher}, {@code divergence}, or {@code checkpoints} for a
 *     checkpoint assertion's row per category
 * @param tuned tuned model name
 * @param baseline baseline model name
 * @param check what was checked, e.g. {@code RMS drift}
 * @param value the measured value ({@code NaN} when there is no single value, e.g. a change rank too
 *     high to be resolved)
 * @param bound the bound as written, e.g. {@code ≤ 0.0100}
 * @param passed the verdict
 * @param details supporting lines: top drifting layers, violating parameters, largest token falls,
 *     or a checkpoint run's accuracies
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record DiagnosticVerdict(String kind, String tuned, String baseline, String check, double value, String bound,
                                boolean passed, List<String> details) {

    /**
     * Keeps an unmodifiable copy of {@code details}.
     *
     * @param kind {@code weights}, {@code fisher}, {@code divergence} or {@code checkpoints}
     * @param tuned tuned model name
     * @param baseline baseline model name
     * @param check what was checked
     * @param value the measured value, or {@code NaN} when there is no single value
     * @param bound the bound as written
     * @param passed the verdict
     * @param details supporting lines; copied
     * @throws NullPointerException when {@code details}, or a line of it, is {@code null}
     */
    public DiagnosticVerdict {
        details = List.copyOf(details);
    }

    /**
     * One line for logs and Surefire's system-out.
     *
     * @return the outcome on one line: models, kind, check, the {@link #formattedValue() value} when
     *     there is one, the bound and {@code PASS} or {@code FAIL}
     */
    public String summaryLine() {
        return String.format(Locale.ROOT, "retention: %s vs %s | %s | %s%s (%s) | %s", tuned, baseline, kind, check,
                Double.isNaN(value) ? "" : " = " + formattedValue(), bound, passed ? "PASS" : "FAIL");
    }

    /**
     * The measured value as printed: counts and ranks as integers, anything else to six
     * significant digits; empty when there is no single value.
     *
     * @return the printed value
     */
    public String formattedValue() {
        return number(value);
    }

    /**
     * A diagnostic number as printed everywhere: integers as integers, values below 0.001 in
     * scientific notation, others to six significant digits, trailing zeros dropped.
     */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, Math.abs(v) < 1e-3 ? "%.5e" : "%.6g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + (e < 0 ? "" : s.substring(e));
    }
}
