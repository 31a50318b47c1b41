package dev.retention.model;

import dev.retention.model.internal.TokenScores;

/**
 * A serving engine's scores of one token-id prompt: for every token after the first, its natural-log
 * probability given the tokens before it ({@code logProbs[i]} scores {@code tokens[i + 1]}), the
 * engine's most likely token at that position ({@code top1[i]}) and that token's log-probability
 * ({@code top1LogProbs[i]}).
 */
record PromptScores(int[] tokens, double[] logProbs, int[] top1, double[] top1LogProbs) {

    PromptScores {
        int n = tokens.length - 1;
        if (logProbs.length != n || top1.length != n || top1LogProbs.length != n) {
            throw new IllegalArgumentException(tokens.length + " tokens need " + n + " log-probabilities and top-1 "
                    + "entries, got " + logProbs.length + ", " + top1.length + " and " + top1LogProbs.length);
        }
    }

    /**
     * The scores of {@code tokens[from..]} as a continuation of {@code tokens[..from)} ({@code from >= 1}):
     * what {@link CausalLm#score} gives for the row {@code (tokens[..n-1), from - 1, tokens[from..])}.
     */
    TokenScores continuation(int from) {
        if (from < 1 || from >= tokens.length) {
            throw new IllegalArgumentException("a continuation starts at 1.." + (tokens.length - 1) + ", not " + from);
        }
        int n = tokens.length - from;
        double[] lp = new double[n];
        int[] am = new int[n];
        int[] targets = new int[n];
        for (int j = 0; j < n; j++) {
            lp[j] = logProbs[from + j - 1];
            am[j] = top1[from + j - 1];
            targets[j] = tokens[from + j];
        }
        return new TokenScores(lp, am, targets);
    }
}
