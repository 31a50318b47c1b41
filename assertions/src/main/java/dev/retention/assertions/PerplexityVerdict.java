package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.Locale;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Perplexity of a tuned model and its baseline on one text.
 *
 * @param tuned tuned model name
 * @param baseline baseline model name
 * @param text what the text is called (a file name, or {@code text})
 * @param metric {@code token perplexity} when both models tokenize the text identically, else
 *     {@code word perplexity} (tokenizer-independent)
 * @param tunedValue the tuned model's value of {@code metric}
 * @param baselineValue the baseline's value of {@code metric}
 * @param factor the largest allowed ratio {@code tuned / baseline}
 * @param tunedBitsPerByte tuned bits per UTF-8 byte
 * @param baselineBitsPerByte baseline bits per UTF-8 byte
 * @param tokens tokens the tuned model scored
 * @param passed {@code tunedValue ≤ factor · baselineValue}
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record PerplexityVerdict(String tuned, String baseline, String text, String metric, double tunedValue,
                                double baselineValue, double factor, double tunedBitsPerByte,
                                double baselineBitsPerByte, int tokens, boolean passed) {

    public double ratio() {
        return tunedValue / baselineValue;
    }

    public String summaryLine() {
        return String.format(Locale.ROOT, "retention: %s vs %s | perplexity on %s | %s tuned=%.4f baseline=%.4f "
                        + "ratio=%.3f (max %.3f) bits/byte tuned=%.4f baseline=%.4f | %s", tuned, baseline, text, metric,
                tunedValue, baselineValue, ratio(), factor, tunedBitsPerByte, baselineBitsPerByte,
                passed ? "PASS" : "FAIL");
    }
}
