package dev.retention.model;

import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy backend: a TorchScript export taking {@code (input_ids, attention_mask)} and returning
 * logits {@code [batch, tokens, vocab]} (bare or first of a tuple), run by DJL's predictor. Greedy
 * decoding re-runs the whole sequence each step (a traced export has no KV cache).
 */
final class TorchScriptLm implements LmBackend {

    private final Path file;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private Map<String, NDArray> parameters;

    TorchScriptLm(Path file, ZooModel<NDList, NDList> model) {
        this.file = file;
        this.model = model;
        this.predictor = model.newPredictor();
    }

    ZooModel<NDList, NDList> zoo() {
        return model;
    }

    @Override
    public NDArray logits(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions) {
        NDArray logits = forward(m, ids, mask, b, t);
        return logits.reshape(b * (long) t, logits.getShape().get(2)).get(m.create(flatPositions));
    }

    /** Logits as float32 {@code [b, t, vocab]}, owned by {@code m}. */
    NDArray forward(NDManager m, long[] ids, long[] mask, int b, int t) {
        NDList out;
        try {
            out = predictor.predict(new NDList(m.create(ids, new Shape(b, t)), m.create(mask, new Shape(b, t))));
        } catch (TranslateException | EngineException e) {
            throw new IllegalStateException(file + ": forward pass failed for input [" + b + ", " + t + "]: "
                    + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new ModelLoadException(file, "the model returned no outputs");
        }
        NDArray logits = out.get(0);
        Shape s = logits.getShape();
        if (s.dimension() != 3 || s.get(0) != b || s.get(1) != t) {
            throw new ModelLoadException(file, "first output has shape " + s + " for input [" + b + ", " + t
                    + "]; expected logits [batch, tokens, vocab] (forward(input_ids, attention_mask))");
        }
        DataType dt = logits.getDataType();
        if (dt == DataType.FLOAT32) {
            return logits;
        }
        if (dt == DataType.FLOAT16 || dt == DataType.FLOAT64) {
            return logits.toType(DataType.FLOAT32, false);
        }
        throw new ModelLoadException(file, "logits have dtype " + dt
                + "; Retention handles float32, float16 and float64 (bfloat16 aborts DJL's engine)");
    }

    @Override
    public Decoding decode(NDManager m, List<int[]> prompts, int padId) {
        return new Recomputing(m, prompts, padId);
    }

    @Override
    public synchronized Map<String, NDArray> parameters() {
        if (parameters == null) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                out.putIfAbsent(p.getKey(), p.getValue().getArray());
            }
            parameters = Collections.unmodifiableMap(out);
        }
        return parameters;
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public String kind() {
        return "TorchScript";
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }

    /** Greedy steps without a cache: every step runs each active row's whole sequence, right-padded. */
    private final class Recomputing implements Decoding {
        private final NDManager parent;
        private final int padId;
        private List<int[]> seqs;

        Recomputing(NDManager parent, List<int[]> prompts, int padId) {
            this.parent = parent;
            this.padId = padId;
            this.seqs = new ArrayList<>(prompts);
        }

        @Override
        public int[] next(int[] appended) {
            if (appended != null) {
                for (int i = 0; i < seqs.size(); i++) {
                    int[] s = Arrays.copyOf(seqs.get(i), seqs.get(i).length + 1);
                    s[s.length - 1] = appended[i];
                    seqs.set(i, s);
                }
            }
            int b = seqs.size();
            int t = seqs.stream().mapToInt(s -> s.length).max().orElse(0);
            long[] ids = new long[b * t];
            long[] mask = new long[b * t];
            long[] last = new long[b];
            for (int r = 0; r < b; r++) {
                int[] s = seqs.get(r);
                for (int j = 0; j < t; j++) {
                    ids[r * t + j] = j < s.length ? s[j] : padId;
                    mask[r * t + j] = j < s.length ? 1 : 0;
                }
                last[r] = (long) r * t + s.length - 1;
            }
            try (NDManager m = parent.newSubManager()) {
                long[] next = logits(m, ids, mask, b, t, last).argMax(1).toLongArray();
                int[] out = new int[b];
                for (int i = 0; i < b; i++) {
                    out[i] = (int) next[i];
                }
                return out;
            }
        }

        @Override
        public void keep(int[] rows) {
            List<int[]> kept = new ArrayList<>(rows.length);
            for (int r : rows) {
                kept.add(seqs.get(r));
            }
            seqs = kept;
        }

        @Override
        public void close() {
            // nothing held between steps
        }
    }
}
