package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.regex.Pattern;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Whole-text log-likelihood of a text, scored in disjoint context windows.
 *
 * @param logLikelihood natural-log probability of every token of the text, summed
 * @param tokens number of tokens scored
 * @param windows number of context windows used
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record RollingLoglikelihood(double logLikelihood, int tokens, int windows) {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * Words of {@code text} as lm-evaluation-harness counts them for word perplexity:
     * {@code len(re.split(r"\s+", text))}, empty pieces included.
     *
     * @param text the text
     * @return the number of pieces between runs of whitespace (Unicode whitespace), at least 1: an empty text
     *     counts 1, and leading or trailing whitespace adds an empty piece
     */
    public static long words(String text) {
        return WHITESPACE.split(text, -1).length;
    }

    /**
     * Token perplexity {@code exp(-ll / tokens)}.
     *
     * @return the perplexity per token, at least 1 for a finite log-likelihood; NaN when no token was scored
     */
    public double tokenPerplexity() {
        return Math.exp(-logLikelihood / tokens);
    }
}
