package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import dev.retention.model.internal.NativeHeap;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenDivergence;
import dev.retention.model.internal.TokenScores;

/**
 * Scoring for {@link CausalLm}: log-probabilities of target tokens (with prefix sharing on native
 * models), next-token divergence between two models, and the refusal of non-finite logits. Each call
 * holds the model's call lock (shared: calls on several streams run concurrently; {@code close()} waits)
 * and runs under its own NDArray sub-manager.
 */
final class Scoring {

    private Scoring() {
    }

    static List<TokenScores> score(CausalLm lm, List<ScoreRow> rows, boolean sharePrefixes) {
        return score(lm, rows, sharePrefixes, rowsPerChunk(lm.vocabSize()));
    }

    /** As above, projecting at most {@code chunk} target rows to logits at a time. */
    static List<TokenScores> score(CausalLm lm, List<ScoreRow> rows, boolean sharePrefixes, int chunk) {
        Batch batch = Batch.of(rows, lm.contextLength(), lm.name(), lm.tokenizer().specialTokens().padOrDefault());
        if (lm.backend() instanceof RemoteLm remote) {
            return lm.calling(() -> remote.score(rows)); // close() waits instead of closing the client under it
        }
        PrefixGroups groups = sharePrefixes && lm.backend() instanceof NativeLm n && n.canSharePrefixes()
                ? PrefixGroups.of(rows) : null;
        int n = batch.targets.length;
        float[] logProbs = new float[n];
        long[] argmax = new long[n];
        try {
            lm.calling(() -> {
                try (NDManager m = lm.backend().manager().newSubManager()) {
                    LmBackend backend = lm.backend();
                    NDArray states = groups != null && groups.worthIt()
                            ? ((NativeLm) backend).statesSharingPrefixes(m, groups.inputs(), groups.group(), groups.prefix(),
                                    batch.targetRow, batch.targetColumn, lm.tokenizer().specialTokens().padOrDefault())
                            : backend.targetStates(m, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                    // the logits of a few target rows at a time: a batch's full [targets, vocab] logits and their
                    // log-softmax would be the largest arrays of the call by far (two of 126 MB for 640 targets of
                    // a 49k vocabulary, per stream); a chunk holds at most two arrays of about 4M floats
                    long[] bad = new long[rows.size()];
                    for (int from = 0; from < n; from += chunk) {
                        int to = Math.min(n, from + chunk);
                        try (NDManager c = m.newSubManager()) {
                            NDArray part = states.get(new NDIndex().addSliceDim(from, to));
                            part.attach(c);
                            NDArray logits = backend.head(part);
                            countNonFinite(logits, batch.targetRow, from, bad);
                            long[] targets = Arrays.copyOfRange(batch.targets, from, to);
                            long[] am = logits.argMax(1).toLongArray();
                            NDArray logSoftmax = logits.logSoftmax(1);
                            logits.close(); // at most two arrays of the chunk's size at once
                            float[] lp = logSoftmax.gather(c.create(targets, new Shape(to - from, 1)), 1).toFloatArray();
                            System.arraycopy(lp, 0, logProbs, from, to - from);
                            System.arraycopy(am, 0, argmax, from, to - from);
                        }
                    }
                    refuseNonFinite(lm, rows, bad);
                    return null;
                }
            });
        } finally {
            NativeHeap.release(); // the batch's freed activations, before the next batch of either stream peaks
        }
        List<TokenScores> out = new ArrayList<>(rows.size());
        int k = 0;
        for (ScoreRow r : rows) {
            int len = r.targets().length;
            double[] lp = new double[len];
            int[] am = new int[len];
            for (int j = 0; j < len; j++, k++) {
                lp[j] = logProbs[k];
                am[j] = (int) argmax[k];
            }
            out.add(new TokenScores(lp, am, r.targets()));
        }
        return out;
    }

    /** Logits rows per chunk: about {@value #CHUNK_LOGITS} floats, at least one row. */
    static int rowsPerChunk(int vocabSize) {
        return (int) Math.max(1, CHUNK_LOGITS / Math.max(1, vocabSize));
    }

    /** Logits computed at once when scoring: the forward pass's chunk budget (16 MiB in float32). */
    static final long CHUNK_LOGITS = Transformer.CHUNK_ELEMENTS;

    /**
     * Counts NaN or ±Inf logits per batch row into {@code bad}; {@code logits} holds the targets from
     * {@code first} on, {@code targetRow} gives each target's row.
     */
    private static void countNonFinite(NDArray logits, int[] targetRow, int first, long[] bad) {
        // one value per target first (the largest magnitude: NaN or infinite when any logit there is), so a
        // clean batch allocates nothing the size of its logits; bad values are counted only where they are
        NDArray magnitude = logits.abs();
        float[] peak = magnitude.max(new int[] {1}).toFloatArray();
        magnitude.close();
        for (int k = 0; k < peak.length; k++) {
            if (!Float.isFinite(peak[k])) {
                NDArray at = logits.get(k);
                bad[targetRow[first + k]] += at.isNaN().logicalOr(at.isInfinite()).toType(DataType.INT64, false).sum()
                        .getLong();
            }
        }
    }

    /** Refuses NaN or ±Inf logits, naming the first batch row that has any and the count of bad values. */
    private static void refuseNonFinite(CausalLm lm, List<ScoreRow> rows, long[] bad) {
        for (int r = 0; r < rows.size(); r++) {
            if (bad[r] > 0) {
                throw new NonFiniteLogitsException(lm.name(), r, bad[r], (long) rows.get(r).targets().length
                        * lm.vocabSize());
            }
        }
    }

    /** Refuses NaN or ±Inf logits of a whole batch ({@code [targets, vocab]}). */
    private static void checkFinite(CausalLm lm, NDArray logits, List<ScoreRow> rows, Batch batch) {
        long[] bad = new long[rows.size()];
        countNonFinite(logits, batch.targetRow, 0, bad);
        refuseNonFinite(lm, rows, bad);
    }

    static List<TokenDivergence> divergence(CausalLm lm, CausalLm other, List<ScoreRow> rows) {
        if (!lm.tokenizerFingerprint().equals(other.tokenizerFingerprint()) || lm.vocabSize() != other.vocabSize()) {
            throw new IllegalArgumentException("next-token distributions of " + lm.name() + " and " + other.name()
                    + " are not comparable: their tokenizers or vocabularies differ");
        }
        Batch batch = Batch.of(rows, Math.min(lm.contextLength(), other.contextLength()), lm.name(),
                lm.tokenizer().specialTokens().padOrDefault());
        int n = batch.targets.length;
        float[][] values;
        try {
            values = divergenceValues(lm, other, batch, rows, n);
        } finally {
            NativeHeap.release();
        }
        float[] kl = values[0];
        float[] lpP = values[1];
        float[] lpQ = values[2];
        List<TokenDivergence> out = new ArrayList<>(rows.size());
        int k = 0;
        for (ScoreRow r : rows) {
            int len = r.targets().length;
            double[] a = new double[len];
            double[] pp = new double[len];
            double[] qq = new double[len];
            for (int j = 0; j < len; j++, k++) {
                a[j] = kl[k];
                pp[j] = lpP[k];
                qq[j] = lpQ[k];
            }
            out.add(new TokenDivergence(a, pp, qq, r.targets()));
        }
        return out;
    }

    /** Per target: KL(p || q), log p and log q of the target, computed holding both models' locks. */
    private static float[][] divergenceValues(CausalLm lm, CausalLm other, Batch batch, List<ScoreRow> rows, int n) {
        return lm.lockingBoth(other, () -> {
            lm.ensureOpen();
            other.ensureOpen();
            try (NDManager mp = lm.backend().manager().newSubManager();
                 NDManager mq = other.backend().manager().newSubManager()) {
                NDArray lp = lm.backend().logits(mp, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                checkFinite(lm, lp, rows, batch);
                NDArray lq = other.backend().logits(mq, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                checkFinite(other, lq, rows, batch);
                NDArray p = lp.logSoftmax(1);
                NDArray q = lq.logSoftmax(1);
                if (!q.getDevice().equals(p.getDevice())) {
                    q = q.toDevice(p.getDevice(), false);
                }
                NDArray idx = mp.create(batch.targets, new Shape(n, 1));
                return new float[][] {p.exp().mul(p.sub(q)).sum(new int[] {1}).toFloatArray(),
                        p.gather(idx, 1).toFloatArray(), q.gather(idx, 1).toFloatArray()};
            }
        });
    }

    /** A batch of score rows, right-padded into row-major arrays, with the flat positions and targets to score. */
    private static final class Batch {
        final int b;
        final int t;
        final long[] ids;
        final long[] mask;
        final long[] flat;
        final long[] targets;
        final int[] targetRow;
        final int[] targetColumn;

        private Batch(int b, int t, long[] ids, long[] mask, long[] flat, long[] targets, int[] targetRow,
                      int[] targetColumn) {
            this.b = b;
            this.t = t;
            this.ids = ids;
            this.mask = mask;
            this.flat = flat;
            this.targets = targets;
            this.targetRow = targetRow;
            this.targetColumn = targetColumn;
        }

        static Batch of(List<ScoreRow> rows, int contextLength, String model, int pad) {
            int b = rows.size();
            int t = rows.stream().mapToInt(r -> r.input().length).max().orElse(0);
            int n = rows.stream().mapToInt(r -> r.targets().length).sum();
            long[] ids = new long[b * t];
            long[] mask = new long[b * t];
            long[] flat = new long[n];
            long[] targets = new long[n];
            int[] targetRow = new int[n];
            int[] targetColumn = new int[n];
            int k = 0;
            for (int i = 0; i < b; i++) {
                ScoreRow r = rows.get(i);
                if (r.input().length > contextLength) {
                    throw new IllegalArgumentException("row of " + r.input().length
                            + " tokens exceeds the context window of " + contextLength + " of " + model);
                }
                int[] in = r.input();
                for (int j = 0; j < t; j++) {
                    ids[i * t + j] = j < in.length ? in[j] : pad;
                    mask[i * t + j] = j < in.length ? 1 : 0;
                }
                for (int j = 0; j < r.targets().length; j++) {
                    flat[k] = (long) i * t + r.firstTarget() + j;
                    targetRow[k] = i;
                    targetColumn[k] = r.firstTarget() + j;
                    targets[k++] = r.targets()[j];
                }
            }
            return new Batch(b, t, ids, mask, flat, targets, targetRow, targetColumn);
        }
    }
}
