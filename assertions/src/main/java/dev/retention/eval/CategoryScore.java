package dev.retention.eval;

import dev.retention.stats.Interval;
import dev.retention.stats.Wilson;
import org.apiguardian.api.API;

import java.util.List;
import java.util.OptionalDouble;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Summary of one category (or of a whole scorecard).
 *
 * <p>Accuracy is {@code passed / n} over scored items, with standard error
 * {@code sqrt(p(1-p)/(n-1))} (lm-evaluation-harness {@code mean_stderr}) and a Wilson 95% score
 * interval. Perplexity items give pooled token perplexity {@code exp(-Σll/Σtokens)}, word
 * perplexity {@code exp(-Σll/Σwords)} and bits per byte {@code -Σll/Σbytes/ln 2}.
 *
 * @param name category name ({@code "overall"} for all items)
 * @param n scored items
 * @param passed items passed
 * @param perplexityItems perplexity items
 * @param logLikelihood summed log-likelihood of the perplexity items
 * @param tokens summed tokens of the perplexity items
 * @param words summed words of the perplexity items
 * @param bytes summed UTF-8 bytes of the perplexity items
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record CategoryScore(String name, int n, int passed, int perplexityItems, double logLikelihood, long tokens,
                            long words, long bytes) {

    static CategoryScore of(String name, List<ItemResult> items) {
        int n = 0;
        int passed = 0;
        int ppl = 0;
        double ll = 0;
        long tokens = 0;
        long words = 0;
        long bytes = 0;
        for (ItemResult r : items) {
            if (r.isScored()) {
                n++;
                passed += r.passed() ? 1 : 0;
            } else {
                ppl++;
                ll += r.logLikelihood();
                tokens += r.tokens();
                words += r.words();
                bytes += r.bytes();
            }
        }
        return new CategoryScore(name, n, passed, ppl, ll, tokens, words, bytes);
    }

    /**
     * Share of scored items passed; NaN when the category has only perplexity items.
     *
     * @return {@code passed / n}, between 0 and 1, or NaN when {@code n} is 0
     */
    public double accuracy() {
        return n == 0 ? Double.NaN : (double) passed / n;
    }

    /**
     * Standard error of the accuracy, {@code sqrt(p(1-p)/(n-1))}; NaN for n below 2.
     *
     * @return the standard error of {@link #accuracy()} (0 when every or no item passed), or NaN for fewer
     *     than two scored items
     */
    public double standardError() {
        if (n < 2) {
            return Double.NaN;
        }
        double p = accuracy();
        return Math.sqrt(p * (1 - p) / (n - 1));
    }

    /**
     * Wilson 95% score interval of the accuracy.
     *
     * @return the interval for {@code passed} out of {@code n}, computed anew on each call
     * @throws IllegalArgumentException when the category has no scored items ({@code n} is 0; see
     *     {@link #hasAccuracy()})
     */
    public Interval wilson95() {
        return Wilson.interval(passed, n, 0.95);
    }

    /**
     * Whether the category has scored (pass/fail) items, so that {@link #accuracy()} is a number.
     *
     * @return true when {@code n} is above 0
     */
    public boolean hasAccuracy() {
        return n > 0;
    }

    /**
     * Whether the category has perplexity items, so that the perplexity figures are present.
     *
     * @return true when {@code perplexityItems} is above 0
     */
    public boolean hasPerplexity() {
        return perplexityItems > 0;
    }

    /**
     * Token perplexity pooled over the perplexity items, {@code exp(-logLikelihood / tokens)}.
     *
     * @return the perplexity per token, or empty when the category has no perplexity items
     */
    public OptionalDouble tokenPerplexity() {
        return hasPerplexity() ? OptionalDouble.of(Math.exp(-logLikelihood / tokens)) : OptionalDouble.empty();
    }

    /**
     * Word perplexity pooled over the perplexity items, {@code exp(-logLikelihood / words)}, with words counted
     * as {@link RollingLoglikelihood#words(String)} counts them.
     *
     * @return the perplexity per word, or empty when the category has no perplexity items
     */
    public OptionalDouble wordPerplexity() {
        return hasPerplexity() ? OptionalDouble.of(Math.exp(-logLikelihood / words)) : OptionalDouble.empty();
    }

    /**
     * Bits per UTF-8 byte pooled over the perplexity items, {@code -logLikelihood / bytes / ln 2}.
     *
     * @return the bits per byte (lower is better), or empty when the category has no perplexity items
     */
    public OptionalDouble bitsPerByte() {
        return hasPerplexity() ? OptionalDouble.of(-logLikelihood / bytes / Math.log(2)) : OptionalDouble.empty();
    }
}
