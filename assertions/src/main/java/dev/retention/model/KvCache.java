package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the tokens seen so far, per layer, as {@code [batch, kv_heads, tokens, head_dim]}
 * after RoPE (before grouped-query heads are repeated), held in its own manager across decoding
 * steps. Rows can be dropped when their generation finishes, so later steps compute only the
 * unfinished ones.
 */
final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private long length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions (the same for every row: left padding aligns them). */
    long length() {
        return length;
    }

    /** Appends one layer's new keys and values and returns the whole cached {@code [keys, values]}. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray nk = keys[layer] == null ? k : keys[layer].concat(k, 2);
        NDArray nv = values[layer] == null ? v : values[layer].concat(v, 2);
        replace(layer, nk, nv);
        if (layer == keys.length - 1) {
            length = nk.getShape().get(2);
        }
        return new NDArray[] {nk, nv};
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
        if (oldK != null && oldK != k) {
            oldK.close();
        }
        if (oldV != null && oldV != v) {
            oldV.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
