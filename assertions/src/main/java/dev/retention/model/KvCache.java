package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of the tokens seen so far, per layer, as {@code [batch, kv_heads, tokens, head_dim]}
 * after RoPE (before grouped-query heads are repeated), held in its own manager across decoding
 * steps. Each layer's buffer has room beyond the filled positions, so a decoding step writes its
 * token in place instead of copying the whole cache into a longer array; the attention reads a view
 * of the filled part. Rows can be dropped when their generation finishes, so later steps compute
 * only the unfinished ones.
 */
final class KvCache implements AutoCloseable {

    /** Positions a buffer grows by at least (it doubles when a longer generation needs more). */
    static final long MIN_GROWTH = 64;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final long[] filled;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.filled = new long[layers];
    }

    /** Number of cached positions (the same for every row: left padding aligns them). */
    long length() {
        return filled[filled.length - 1];
    }

    /**
     * Appends one layer's new keys and values and returns views of the whole cached {@code [keys, values]},
     * owned by the manager of {@code k} (the current call's).
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long from = filled[layer];
        long to = from + k.getShape().get(2);
        if (keys[layer] == null || to > keys[layer].getShape().get(2)) {
            grow(layer, k, Math.max(to + MIN_GROWTH, 2 * from));
        }
        NDIndex added = new NDIndex().addAllDim(2).addSliceDim(from, to);
        keys[layer].set(added, k);
        values[layer].set(added, v);
        filled[layer] = to;
        NDIndex upTo = new NDIndex().addAllDim(2).addSliceDim(0, to);
        NDArray kView = keys[layer].get(upTo);
        NDArray vView = values[layer].get(upTo);
        kView.attach(k.getManager());
        vView.attach(k.getManager());
        return new NDArray[] {kView, vView};
    }

    /** Replaces a layer's buffers by ones of {@code capacity} positions holding what is filled so far. */
    private void grow(int layer, NDArray like, long capacity) {
        Shape s = like.getShape();
        Shape shape = new Shape(s.get(0), s.get(1), capacity, s.get(3));
        NDArray k = manager.zeros(shape, like.getDataType(), like.getDevice());
        NDArray v = manager.zeros(shape, like.getDataType(), like.getDevice());
        if (filled[layer] > 0) {
            NDIndex old = new NDIndex().addAllDim(2).addSliceDim(0, filled[layer]);
            k.set(old, keys[layer].get(old));
            v.set(old, values[layer].get(old));
        }
        replace(layer, k, v);
    }

    /** Keeps only the batch rows {@code rows} (in that order). */
    void keep(long[] rows) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray index = scratch.create(rows);
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != null) {
                    replace(i, keys[i].get(index), values[i].get(index));
                }
            }
        }
    }

    private void replace(int layer, NDArray k, NDArray v) {
        NDArray oldK = keys[layer];
        NDArray oldV = values[layer];
        k.attach(manager);
        v.attach(manager);
        keys[layer] = k;
        values[layer] = v;
        if (oldK != null) {
            oldK.close();
        }
        if (oldV != null) {
            oldV.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
