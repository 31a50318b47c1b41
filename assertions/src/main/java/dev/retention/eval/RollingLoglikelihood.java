package dev.retention.eval;

import org.apiguardian.api.API;

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

    /** Token perplexity {@code exp(-ll / tokens)}. */
    public double tokenPerplexity() {
        return Math.exp(-logLikelihood / tokens);
    }
}
