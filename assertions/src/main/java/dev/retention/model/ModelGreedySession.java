package dev.retention.model;

import dev.retention.model.internal.GreedySession;
import dev.retention.model.internal.NativeHeap;

/** A {@link GreedySession} over one backend's decoding, its calls holding the model's call lock. */
final class ModelGreedySession implements GreedySession {

    private final CausalLm model;
    private final LmBackend.Decoding decoding;

    ModelGreedySession(CausalLm model, LmBackend.Decoding decoding) {
        this.model = model;
        this.decoding = decoding;
    }

    @Override
    public int[] next(int[] appended) {
        return model.calling(() -> decoding.next(appended));
    }

    @Override
    public void keep(int[] rows) {
        model.calling(() -> {
            decoding.keep(rows);
            return null;
        });
    }

    @Override
    public void close() {
        model.holding(() -> {
            if (!model.isClosed()) {
                decoding.close();
            }
            return null;
        });
        NativeHeap.release(); // the cache and the step activations just freed
    }
}
