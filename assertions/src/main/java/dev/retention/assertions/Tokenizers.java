package dev.retention.assertions;

import dev.retention.model.CausalLm;

/**
 * Paired comparisons that work token by token (next-token divergence, per-token metrics) need both
 * models to split text alike; a different tokenizer would otherwise read as forgetting.
 */
final class Tokenizers {

    private Tokenizers() {
    }

    static boolean same(CausalLm a, CausalLm b) {
        return a.tokenizerFingerprint().equals(b.tokenizerFingerprint()) && a.vocabSize() == b.vocabSize();
    }

    /** Refuses, naming both tokenizers, unless {@code baseline} and {@code tuned} share one. */
    static void requireSame(CausalLm baseline, CausalLm tuned, String why) {
        if (!same(baseline, tuned)) {
            throw new IllegalStateException(why + ", so both must use one tokenizer, but the baseline "
                    + describe(baseline) + " and the tuned model " + describe(tuned) + " do not. A different "
                    + "tokenizer is not forgetting: compare such models on a suite (accuracy) or with word perplexity "
                    + "(perplexityOn(text).withinFactor(f)), which do not depend on the tokenizer.");
        }
    }

    private static String describe(CausalLm m) {
        return m.name() + " (tokenizer sha256 " + m.tokenizerFingerprint().substring(0, 12) + ", " + m.vocabSize()
                + " logits, " + m.directory() + ")";
    }
}
