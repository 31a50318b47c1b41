package dev.retention.eval;

/**
 * Result of a {@link LoglikelihoodRequest}.
 *
 * @param logLikelihood natural-log probability of the continuation, summed over its tokens
 * @param greedy whether greedy decoding from the context reproduces the continuation token by token
 * @param tokens number of continuation tokens scored
 * @param greedyTokens the argmax token at each continuation position (teacher-forced)
 */
public record Loglikelihood(double logLikelihood, boolean greedy, int tokens, int[] greedyTokens) {
}
