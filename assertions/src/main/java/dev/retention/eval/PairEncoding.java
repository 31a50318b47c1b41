package dev.retention.eval;

import dev.retention.model.internal.LmTokenizer;
import dev.retention.model.internal.ScoreRow;

import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * lm-evaluation-harness request encoding ({@code TemplateLM._encode_pair} and
 * {@code _loglikelihood_tokens}).
 *
 * <ol>
 *   <li>Trailing whitespace of the context moves to the front of the continuation, so word
 *       boundaries belong to the continuation.</li>
 *   <li>{@code context + continuation} is encoded whole, and the continuation is the tokens after
 *       {@code len(encode(context))}; this avoids merge artefacts at the boundary.</li>
 *   <li>A context that encodes to nothing is replaced by the prefix token (BOS, else EOS) and the
 *       continuation is encoded alone. (lm-eval does this only for a literally empty context; a
 *       whitespace-only context would otherwise leave the first continuation token without a
 *       predicting position.)</li>
 *   <li>Inputs longer than the context window keep their last {@code maxLength + 1} tokens, and the
 *       final token is dropped: the logits at position p score token p + 1.</li>
 * </ol>
 */
final class PairEncoding {

    private PairEncoding() {
    }

    /** Context and continuation token ids of a request. */
    record Pair(int[] context, int[] continuation) {
        int[] whole() {
            int[] w = Arrays.copyOf(context, context.length + continuation.length);
            System.arraycopy(continuation, 0, w, context.length, continuation.length);
            return w;
        }
    }

    static Pair encode(LmTokenizer tok, IntSupplier prefixToken, String context, String continuation) {
        int keep = context.stripTrailing().length();
        String ctx = context.substring(0, keep);
        String cont = context.substring(keep) + continuation;
        int[] ctxIds = tok.encode(ctx);
        if (ctxIds.length == 0) {
            return new Pair(new int[] {prefixToken.getAsInt()}, tok.encode(cont));
        }
        int[] whole = tok.encode(ctx + cont);
        return new Pair(ctxIds, Arrays.copyOfRange(whole, ctxIds.length, whole.length));
    }

    /** How many context tokens {@link #row} drops from the left so that the pair fits {@code maxLength}. */
    static int truncated(Pair pair, int maxLength) {
        return Math.max(0, pair.context().length + pair.continuation().length - (maxLength + 1));
    }

    /** The scoring row of a pair: left-truncated input, continuation as targets at its end. */
    static ScoreRow row(Pair pair, int maxLength, String what) {
        int[] cont = pair.continuation();
        if (cont.length == 0) {
            throw new IllegalArgumentException(what + ": the continuation encodes to no tokens");
        }
        if (cont.length > maxLength) {
            throw new IllegalArgumentException(what + ": the continuation has " + cont.length
                    + " tokens, more than the context window of " + maxLength + "; shorten it or score with a longer "
                    + "window (retention.contextLength)");
        }
        int[] whole = pair.whole();
        int start = truncated(pair, maxLength);
        int[] input = Arrays.copyOfRange(whole, start, whole.length - 1);
        return new ScoreRow(input, input.length - cont.length, cont);
    }
}
