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
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record RollingLoglikelihood(double logLikelihood, int tokens, int windows) {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * Words of {@code text} as lm-evaluation-harness counts them for word perplexity:
     * {@code len(re.split(r"\s+", text))}, empty pieces included.
     */
    public static long words(String text) {
        return WHITESPACE.split(text, -1).length;
    }

    /** Token perplexity {@code exp(-ll / tokens)}. */
    public double tokenPerplexity() {
        return Math.exp(-logLikelihood / tokens);
    }
}
