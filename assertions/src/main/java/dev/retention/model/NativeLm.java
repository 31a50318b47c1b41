package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.retention.model.DecoderSpec.LayerType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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
        long[] positions = new long[b * t];
        long[] lengths = new long[b];
        long[][] keys = new long[b][t];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                positions[r * t + j] = j;
                boolean real = mask[r * t + j] != 0;
                keys[r][j] = real ? j : -1;
                if (real) {
                    lengths[r] = j + 1;
                }
            }
        }
        NDArray hidden = transformer.hidden(m.create(ids, new Shape(b, t)), m.create(positions, new Shape(b, t)),
                lengths, masks(m, keys, positions, t), null);
        NDArray rows = hidden.reshape(b * (long) t, spec().hidden()).get(m.create(flatPositions));
        return transformer.logits(rows);
    }

    /**
     * Logits at the given positions of rows that come in groups sharing a prefix (the context of a
     * multiple-choice item, scored once per choice): each group's prefix runs once, its keys and
     * values are copied to the group's rows, and only the rows' remaining tokens run. Targets inside
     * the prefix read the prefix pass. The result equals {@link #logits} on the unshared rows up to
     * float32 rounding (the same ops, in other matrix shapes).
     *
     * @param rows input ids of every row
     * @param group the group of each row; rows of one group share their first {@code prefix[group]} ids
     * @param prefix per group, the shared length (at most every member's length − 1)
     * @param targetRow the row of each requested position
     * @param targetColumn the column of each requested position
     * @param padId id for padded slots (always masked)
     */
    NDArray logitsSharingPrefixes(NDManager m, List<int[]> rows, int[] group, int[] prefix, int[] targetRow,
                                  int[] targetColumn, int padId) {
        int k = prefix.length;
        int n = rows.size();
        int pMax = Arrays.stream(prefix).max().orElse(0);
        // 1. every group's prefix once, right-padded
        long[] ids = new long[k * pMax];
        long[] positions = new long[k * pMax];
        long[] lengths = new long[k];
        long[][] prefixKeys = new long[k][pMax];
        int[] firstRow = new int[k];
        Arrays.fill(firstRow, -1);
        for (int r = 0; r < n; r++) {
            if (firstRow[group[r]] < 0) {
                firstRow[group[r]] = r;
            }
        }
        for (int g = 0; g < k; g++) {
            int[] in = rows.get(firstRow[g]);
            for (int j = 0; j < pMax; j++) {
                boolean real = j < prefix[g];
                ids[g * pMax + j] = real ? in[j] : padId;
                positions[g * pMax + j] = j;
                prefixKeys[g][j] = real ? j : -1;
            }
            lengths[g] = prefix[g];
        }
        try (KvCache cache = new KvCache(m, spec().layers())) {
            NDArray prefixHidden = transformer.hidden(m.create(ids, new Shape(k, pMax)),
                    m.create(positions, new Shape(k, pMax)), lengths, masks(m, prefixKeys, positions, pMax), cache);
            // 2. each row continues from its group's keys and values
            long[] rowGroup = new long[n];
            int sMax = 0;
            for (int r = 0; r < n; r++) {
                rowGroup[r] = group[r];
                sMax = Math.max(sMax, rows.get(r).length - prefix[group[r]]);
            }
            cache.keep(rowGroup);
            long[] sIds = new long[n * sMax];
            long[] sPositions = new long[n * sMax];
            long[] sLengths = new long[n];
            long[][] keys = new long[n][pMax + sMax];
            for (int r = 0; r < n; r++) {
                int[] in = rows.get(r);
                int p = prefix[group[r]];
                System.arraycopy(prefixKeys[group[r]], 0, keys[r], 0, pMax);
                for (int j = 0; j < sMax; j++) {
                    boolean real = p + j < in.length;
                    sIds[r * sMax + j] = real ? in[p + j] : padId;
                    sPositions[r * sMax + j] = p + j;
                    keys[r][pMax + j] = real ? p + j : -1;
                }
                sLengths[r] = in.length;
            }
            NDArray suffixHidden = transformer.hidden(m.create(sIds, new Shape(n, sMax)),
                    m.create(sPositions, new Shape(n, sMax)), sLengths, masks(m, keys, sPositions, sMax), cache);
            // 3. the requested positions, from whichever pass computed them
            int h = spec().hidden();
            NDArray all = prefixHidden.reshape((long) k * pMax, h).concat(suffixHidden.reshape((long) n * sMax, h), 0);
            long[] index = new long[targetRow.length];
            for (int i = 0; i < index.length; i++) {
                int r = targetRow[i];
                int c = targetColumn[i];
                int p = prefix[group[r]];
                index[i] = c < p ? (long) group[r] * pMax + c : (long) k * pMax + (long) r * sMax + (c - p);
            }
            return transformer.logits(all.get(m.create(index)));
        }
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
        Map<LayerType, NDArray> out = new EnumMap<>(LayerType.class);
        for (LayerType type : spec().layerTypes()) {
            if (!out.containsKey(type)) {
                int window = type == LayerType.SLIDING ? spec().slidingWindow().orElse(0) : 0;
                out.put(type, mask(m, keyPositions, queryPositions, t, window));
            }
        }
        return out;
    }

    /**
     * transformers' eager mask: a key is visible to a query when it is a real token at the same or an
     * earlier position and, on sliding-window layers, less than {@code window} positions back;
     * otherwise {@code finfo(float32).min} is added to the score. Positions, not slots, decide, so
     * padding anywhere in a row (left-padded prompts, a padded shared prefix) changes nothing.
     */
    static NDArray mask(NDManager m, long[][] keyPositions, long[] queryPositions, int t, int window) {
        int b = keyPositions.length;
        int s = keyPositions[0].length;
        float[] data = new float[b * t * s];
        for (int r = 0; r < b; r++) {
            long[] keys = keyPositions[r];
            for (int i = 0; i < t; i++) {
                long q = queryPositions[r * t + i];
                int base = (r * t + i) * s;
                for (int j = 0; j < s; j++) {
                    long k = keys[j];
                    boolean visible = k >= 0 && k <= q && (window == 0 || k > q - window);
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
            }
        }

        @Override
        public void close() {
            cache.close();
            session.close();
        }
    }
}
