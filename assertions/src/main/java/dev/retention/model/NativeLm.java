package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.retention.model.DecoderSpec.LayerType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import dev.retention.model.internal.EngineThreads;
import dev.retention.model.internal.NativeHeap;

/**
 * A Hugging Face checkpoint run natively: {@code config.json} resolved into a {@link DecoderSpec},
 * safetensors weights mapped into the engine, and the forward pass composed by {@link Transformer}
 * on DJL NDArrays. Scoring feeds right-padded batches with positions {@code 0..t-1} (transformers'
 * default without {@code position_ids}); greedy decoding left-pads the prompts, gives positions
 * {@code cumsum(mask) - 1} as transformers' {@code generate} does, and keeps a KV cache so each step
 * runs one token per unfinished row.
 */
final class NativeLm implements LmBackend {

    private final NDManager manager;
    private final TensorSource source;
    private final Transformer transformer;
    // forward passes so far: rows, real tokens, token slots (rows × padded width); for the benchmark's padding ratio
    private final AtomicLongArray forwardCounts = new AtomicLongArray(3);

    private NativeLm(NDManager manager, TensorSource source, Transformer transformer) {
        this.manager = manager;
        this.source = source;
        this.transformer = transformer;
    }

    /**
     * Loads the weights of {@code spec} from {@code source} onto {@code device}. The source stays open
     * for the model's life (CPU weights map its files).
     */
    static NativeLm load(DecoderSpec spec, TensorSource source, Device device) {
        EngineThreads.pytorch();
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try {
            DecoderWeights w = DecoderWeights.load(spec, source, m);
            return new NativeLm(m, source, new Transformer(w, null));
        } catch (RuntimeException e) {
            m.close();
            source.close();
            throw e;
        }
    }

    /** The same weights with {@code adapter} applied; closing the result does not close the base. */
    NativeLm withAdapter(Adapter adapter, NDManager adapterManager) {
        return new NativeLm(adapterManager, null, new Transformer(transformer.weights(), adapter));
    }

    DecoderSpec spec() {
        return transformer.spec();
    }

    Transformer transformer() {
        return transformer;
    }

    @Override
    public NDArray logits(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions) {
        return head(targetStates(m, ids, mask, b, t, flatPositions));
    }

    @Override
    public NDArray head(NDArray states) {
        return transformer.logits(states);
    }

    @Override
    public NDArray targetStates(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions) {
        long[] positions = new long[b * t];
        long[] lengths = new long[b];
        long[][] keys = new long[b][t];
        long realTokens = 0;
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                positions[r * t + j] = j;
                boolean real = mask[r * t + j] != 0;
                keys[r][j] = real ? j : -1;
                if (real) {
                    lengths[r] = j + 1;
                    realTokens++;
                }
            }
        }
        count(b, realTokens, (long) b * t);
        NDArray hidden = transformer.hidden(m.create(ids, new Shape(b, t)), m.create(positions, new Shape(b, t)),
                lengths, masks(m, keys, positions, t), null);
        return hidden.reshape(b * (long) t, spec().hidden()).get(m.create(flatPositions));
    }

    /**
     * Final hidden states ({@link #targetStates}) at the given positions of rows that come in groups sharing
     * a prefix (the context of a multiple-choice item, scored once per choice), over packed rows ({@link PackedRows}): each group
     * becomes one row holding its prefix once and then each member's own tokens (identical ones once),
     * every token at the position it has in its unshared row. The mask lets a token see the prefix and
     * the earlier tokens of its own member only, so every query sees exactly the keys, at exactly the
     * positions, that it sees in its unshared row: the result equals {@link #logits} on the unshared
     * rows up to float32 rounding (the same ops, in other matrix shapes). Packed rows of similar
     * length run together, in as few passes as {@link PackedRows#passes()} allows. {@link #head} turns them
     * into logits.
     *
     * @param rows input ids of every row
     * @param group the group of each row; rows of one group share their first {@code prefix[group]} ids
     * @param prefix per group, the shared length (at most every member's length − 1)
     * @param targetRow the row of each requested position
     * @param targetColumn the column of each requested position
     * @param padId id for padded slots (always masked)
     */
    NDArray statesSharingPrefixes(NDManager m, List<int[]> rows, int[] group, int[] prefix, int[] targetRow,
                                  int[] targetColumn, int padId) {
        PackedRows packed = PackedRows.of(rows, group, prefix);
        int[] passOf = new int[packed.groups()];
        int[] rowInPass = new int[packed.groups()];
        List<int[]> passes = packed.passes();
        for (int p = 0; p < passes.size(); p++) {
            for (int i = 0; i < passes.get(p).length; i++) {
                passOf[passes.get(p)[i]] = p;
                rowInPass[passes.get(p)[i]] = i;
            }
        }
        List<NDArray> parts = new ArrayList<>(passes.size());
        long[] order = new long[targetRow.length];
        int done = 0;
        for (int p = 0; p < passes.size(); p++) {
            List<Integer> targets = new ArrayList<>();
            for (int i = 0; i < targetRow.length; i++) {
                if (passOf[packed.groupOf(targetRow[i])] == p) {
                    targets.add(i);
                    order[i] = done++;
                }
            }
            parts.add(packedPass(m, packed, passes.get(p), rowInPass, targets, targetRow, targetColumn, padId));
        }
        NDArray hidden = parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 0);
        return hidden.get(m.create(order));
    }

    /** One forward pass over the packed rows of {@code groups}; the final hidden states at {@code targets}. */
    private NDArray packedPass(NDManager m, PackedRows packed, int[] groups, int[] rowInPass, List<Integer> targets,
                               int[] targetRow, int[] targetColumn, int padId) {
        int k = groups.length;
        int t = packed.ids(groups[0]).length;
        long[] ids = new long[k * t];
        long[] positions = new long[k * t];
        long[] lengths = new long[k];
        long[][] keys = new long[k][t];
        long[][] segments = new long[k][t];
        Arrays.fill(ids, padId);
        long real = 0;
        for (int r = 0; r < k; r++) {
            int g = groups[r];
            Arrays.fill(keys[r], -1);
            int[] in = packed.ids(g);
            real += in.length;
            for (int j = 0; j < in.length; j++) {
                ids[r * t + j] = in[j];
                positions[r * t + j] = packed.positions(g)[j];
                keys[r][j] = packed.positions(g)[j];
                segments[r][j] = packed.segments(g)[j];
            }
            lengths[r] = packed.rowLength(g);
        }
        count(k, real, (long) k * t);
        long[] index = new long[targets.size()];
        for (int i = 0; i < index.length; i++) {
            int row = targetRow[targets.get(i)];
            index[i] = (long) rowInPass[packed.groupOf(row)] * t + packed.slot(row, targetColumn[targets.get(i)]);
        }
        try (NDManager pass = m.newSubManager()) {
            NDArray hidden = transformer.hidden(pass.create(ids, new Shape(k, t)), pass.create(positions, new Shape(k, t)),
                    lengths, masks(pass, keys, segments, positions, t), null);
            NDArray picked = hidden.reshape((long) k * t, spec().hidden()).get(pass.create(index));
            picked.attach(m);
            return picked;
        }
    }

    private void count(long rows, long real, long slots) {
        forwardCounts.addAndGet(0, rows);
        forwardCounts.addAndGet(1, real);
        forwardCounts.addAndGet(2, slots);
    }

    /** Forward passes so far (scoring passes and decoding prefills): rows, real tokens, token slots. */
    long[] forwardCounts() {
        return new long[] {forwardCounts.get(0), forwardCounts.get(1), forwardCounts.get(2)};
    }

    /** Whether prefix sharing is exact for this model (length-dependent RoPE computes per whole row). */
    boolean canSharePrefixes() {
        return spec().positions().rope().values().stream().noneMatch(Rope::dependsOnLength);
    }

    @Override
    public Decoding decode(NDManager m, List<int[]> prompts, int padId) {
        return new CachedDecoding(m, prompts, padId);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return transformer.weights().parameters();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /** The forward pass only reads the weights; every call has its own manager, masks and cache. */
    @Override
    public boolean concurrentCalls() {
        return true;
    }

    @Override
    public String kind() {
        return spec().modelType() + (transformer.adapter() != null ? " + LoRA" : "") + " (native)";
    }

    @Override
    public void close() {
        manager.close();
        if (source != null) {
            source.close();
        }
    }

    /**
     * Additive masks {@code [b, 1, t, keys]} for every layer type of the model, from each row's key
     * positions ({@code -1} for padding) and the positions of its {@code t} queries.
     */
    private Map<LayerType, NDArray> masks(NDManager m, long[][] keyPositions, long[] queryPositions, int t) {
        return masks(m, keyPositions, null, queryPositions, t);
    }

    /** As above for packed rows: a query sees keys of segment 0 (the shared prefix) and of its own segment. */
    private Map<LayerType, NDArray> masks(NDManager m, long[][] keyPositions, long[][] segments, long[] queryPositions,
                                          int t) {
        Map<LayerType, NDArray> out = new EnumMap<>(LayerType.class);
        for (LayerType type : spec().layerTypes()) {
            if (!out.containsKey(type)) {
                int window = type == LayerType.SLIDING ? spec().slidingWindow().orElse(0) : 0;
                out.put(type, mask(m, keyPositions, segments, queryPositions, t, window));
            }
        }
        return out;
    }

    /**
     * transformers' eager mask: a key is visible to a query when it is a real token at the same or an
     * earlier position and, on sliding-window layers, less than {@code window} positions back;
     * otherwise {@code finfo(float32).min} is added to the score. Positions, not slots, decide, so
     * padding anywhere in a row (left-padded prompts, a padded shared prefix) changes nothing. With
     * {@code segments} (per row and slot; {@code null} for none), a query in segment {@code s > 0} sees
     * only keys of segment 0 or {@code s}; the queries of a row are its last {@code t} slots.
     */
    static NDArray mask(NDManager m, long[][] keyPositions, long[][] segments, long[] queryPositions, int t,
                        int window) {
        int b = keyPositions.length;
        int s = keyPositions[0].length;
        float[] data = new float[b * t * s];
        for (int r = 0; r < b; r++) {
            long[] keys = keyPositions[r];
            long[] seg = segments == null ? null : segments[r];
            for (int i = 0; i < t; i++) {
                long q = queryPositions[r * t + i];
                long qs = seg == null ? 0 : seg[s - t + i];
                int base = (r * t + i) * s;
                for (int j = 0; j < s; j++) {
                    long k = keys[j];
                    boolean visible = k >= 0 && k <= q && (window == 0 || k > q - window)
                            && (qs == 0 || seg[j] == 0 || seg[j] == qs);
                    data[base + j] = visible ? 0f : Transformer.MASKED;
                }
            }
        }
        return m.create(data, new Shape(b, 1, t, s));
    }

    /** Greedy decoding with a KV cache; finished rows are dropped from the cache. */
    private final class CachedDecoding implements Decoding {
        private final NDManager session;
        private final KvCache cache;
        private final List<int[]> prompts;
        private final int padId;
        private List<long[]> keyPositions = new ArrayList<>();
        private long[] nextPosition;
        private boolean started;

        CachedDecoding(NDManager parent, List<int[]> prompts, int padId) {
            this.session = parent.newSubManager();
            this.cache = new KvCache(session, spec().layers());
            this.prompts = prompts;
            this.padId = padId;
        }

        @Override
        public int[] next(int[] appended) {
            try (NDManager step = session.newSubManager()) {
                return started ? step(step, appended) : prefill(step);
            }
        }

        private int[] prefill(NDManager m) {
            started = true;
            int b = prompts.size();
            int t = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
            long[] ids = new long[b * t];
            long[] positions = new long[b * t];
            long[] lengths = new long[b];
            nextPosition = new long[b];
            long[][] keys = new long[b][t];
            for (int r = 0; r < b; r++) {
                int[] p = prompts.get(r);
                int pad = t - p.length;
                for (int j = 0; j < t; j++) {
                    boolean real = j >= pad;
                    ids[r * t + j] = real ? p[j - pad] : padId;
                    positions[r * t + j] = real ? j - pad : 0; // transformers' generate: cumsum(mask) - 1, padding 0
                    keys[r][j] = real ? j - pad : -1;
                }
                lengths[r] = p.length;
                nextPosition[r] = p.length;
                keyPositions.add(keys[r]);
            }
            count(b, Arrays.stream(lengths).sum(), (long) b * t);
            NDArray hidden = transformer.hidden(m.create(ids, new Shape(b, t)), m.create(positions, new Shape(b, t)),
                    lengths, masks(m, keys, positions, t), cache);
            return argmaxLast(hidden, t);
        }

        private int[] step(NDManager m, int[] appended) {
            int b = appended.length;
            if (b != keyPositions.size()) {
                throw new IllegalArgumentException(b + " tokens for " + keyPositions.size() + " active rows");
            }
            int cached = (int) cache.length();
            long[] ids = new long[b];
            long[] positions = new long[b];
            long[] lengths = new long[b];
            long[][] keys = new long[b][];
            for (int r = 0; r < b; r++) {
                ids[r] = appended[r];
                positions[r] = nextPosition[r];
                lengths[r] = nextPosition[r] + 1;
                long[] k = Arrays.copyOf(keyPositions.get(r), cached + 1);
                k[cached] = nextPosition[r];
                keyPositions.set(r, k);
                keys[r] = k;
                nextPosition[r]++;
            }
            NDArray hidden = transformer.hidden(m.create(ids, new Shape(b, 1)), m.create(positions, new Shape(b, 1)),
                    lengths, masks(m, keys, positions, 1), cache);
            return argmaxLast(hidden, 1);
        }

        private int[] argmaxLast(NDArray hidden, int t) {
            NDArray last = hidden.get(new NDIndex().addAllDim().addIndices(t - 1));
            long[] next = transformer.logits(last).argMax(1).toLongArray();
            int[] out = new int[next.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (int) next[i];
            }
            return out;
        }

        @Override
        public void keep(int[] rows) {
            long[] idx = new long[rows.length];
            List<long[]> kp = new ArrayList<>(rows.length);
            long[] pos = new long[rows.length];
            for (int i = 0; i < rows.length; i++) {
                idx[i] = rows[i];
                kp.add(keyPositions.get(rows[i]));
                pos[i] = nextPosition[rows[i]];
            }
            keyPositions = kp;
            nextPosition = pos;
            if (rows.length > 0) {
                cache.keep(idx);
                NativeHeap.release(); // the dropped rows' cache, freed in the stream's heap
            }
        }

        @Override
        public void close() {
            cache.close();
            session.close();
        }
    }
}
