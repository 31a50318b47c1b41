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
 *     {@code word perplexity} (tokenizer-independent), or {@code word perplexity (the tokenizers differ)}
 *     when the models do not share a tokenizer
 * @param tunedValue the tuned model's value of {@code metric}
 * @param baselineValue the baseline's value of {@code metric}
 * @param factor the largest allowed ratio {@code tuned / baseline}
 * @param tunedBitsPerByte tuned bits per UTF-8 byte
 * @param baselineBitsPerByte baseline bits per UTF-8 byte
 * @param tokens tokens the tuned model scored
 * @param passed {@code tunedValue ≤ factor · baselineValue}
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record PerplexityVerdict(String tuned, String baseline, String text, String metric, double tunedValue,
                                double baselineValue, double factor, double tunedBitsPerByte,
                                double baselineBitsPerByte, int tokens, boolean passed) {

    /**
     * How many times the baseline's perplexity the tuned model's is.
     *
     * @return {@code tunedValue / baselineValue}; above 1 means the tuned model finds the text less
     *     likely than the baseline does
     */
    public double ratio() {
        return tunedValue / baselineValue;
    }

    /**
     * One line for logs and Surefire's system-out.
     *
     * @return the comparison on one line: models, text, metric, both values, ratio and its maximum,
     *     bits per byte and {@code PASS} or {@code FAIL} (numbers in the root locale)
     */
    public String summaryLine() {
        return String.format(Locale.ROOT, "retention: %s vs %s | perplexity on %s | %s tuned=%.4f baseline=%.4f "
                        + "ratio=%.3f (max %.3f) bits/byte tuned=%.4f baseline=%.4f | %s", tuned, baseline, text, metric,
                tunedValue, baselineValue, ratio(), factor, tunedBitsPerByte, baselineBitsPerByte,
                passed ? "PASS" : "FAIL");
    }
}
