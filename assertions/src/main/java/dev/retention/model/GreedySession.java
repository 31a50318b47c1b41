package dev.retention.model;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * A greedy decoding session started by {@link CausalLm#greedy}: {@link #next} gives each active
 * row's argmax next token; the caller appends it or finishes the row, drops finished rows with
 * {@link #keep} and asks again. Native models keep a KV cache between steps. Calls are serialised
 * with the model's other calls.
 */
@API(status = INTERNAL, since = "0.1")
public final class GreedySession implements AutoCloseable {

    private final CausalLm model;
    private final LmBackend.Decoding decoding;

    GreedySession(CausalLm model, LmBackend.Decoding decoding) {
        this.model = model;
        this.decoding = decoding;
    }

    /**
     * The argmax next token of every active row: the first call reads the prompts
     * ({@code appended == null}); later calls pass the token each active row appended.
     */
    public int[] next(int[] appended) {
        synchronized (model.lock()) {
            model.checkOpen();
            return decoding.next(appended);
        }
    }

    /** Keeps only the active rows at positions {@code rows} (ascending) of the current active rows. */
    public void keep(int[] rows) {
        synchronized (model.lock()) {
            decoding.keep(rows);
        }
    }

    @Override
    public void close() {
        synchronized (model.lock()) {
            decoding.close();
        }
    }
}
