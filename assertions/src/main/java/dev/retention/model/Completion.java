package dev.retention.model;

/**
 * A greedy completion from a serving engine: the generated token ids (EOS included when the engine
 * stopped on it), the engine's text of them (cut at a stop string), why it stopped, and the natural-log
 * probability the engine reports for each generated token given the tokens before it.
 */
record Completion(int[] tokens, String text, FinishReason finishReason, double[] logProbs) {

    enum FinishReason {
        /** EOS or a stop string. */
        STOP,
        /** {@code max_tokens} (or the context window) reached. */
        LENGTH
    }

    Completion {
        if (logProbs.length != tokens.length) {
            throw new IllegalArgumentException(tokens.length + " generated tokens but " + logProbs.length
                    + " log-probabilities");
        }
    }
}
