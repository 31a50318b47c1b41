package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Result of a {@link LoglikelihoodRequest}.
 *
 * @param logLikelihood natural-log probability of the continuation, summed over its tokens
 * @param greedy whether greedy decoding from the context reproduces the continuation token by token
 * @param tokens number of continuation tokens scored
 * @param greedyTokens the argmax token at each continuation position (teacher-forced)
 * @param truncatedTokens context tokens dropped from the left to fit the context window (0 if none)
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Loglikelihood(double logLikelihood, boolean greedy, int tokens, int[] greedyTokens, int truncatedTokens) {

    /**
     * A result whose context was scored whole ({@code truncatedTokens} 0).
     *
     * @param logLikelihood natural-log probability of the continuation, summed over its tokens
     * @param greedy whether greedy decoding from the context reproduces the continuation
     * @param tokens number of continuation tokens scored
     * @param greedyTokens the argmax token at each continuation position; kept as given, not copied
     */
    public Loglikelihood(double logLikelihood, boolean greedy, int tokens, int[] greedyTokens) {
        this(logLikelihood, greedy, tokens, greedyTokens, 0);
    }
}
