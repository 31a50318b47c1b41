package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * A greedy decoding session started by {@link dev.retention.model.CausalLm#greedy}: {@link #next} gives each
 * active row's argmax next token; the caller appends it or finishes the row, drops finished rows with
 * {@link #keep} and asks again. Native models keep a KV cache between steps. A session is used by one
 * thread at a time; its calls hold the model's call lock, so the model cannot be closed under them, and
 * sessions of a natively run model may step concurrently.
 *
 * <p>Rows are addressed by position in the current list of active rows, which starts as the prompts
 * in order and shrinks with each {@link #keep}.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public interface GreedySession extends AutoCloseable {

    /**
     * The argmax next token of every active row: the first call reads the prompts
     * ({@code appended == null}); later calls pass the token each active row appended.
     *
     * @param appended {@code null} on the first call; afterwards one token per active row, in the order of
     *     the active rows
     * @return one argmax token id per active row, in the order of the active rows
     * @throws IllegalStateException when the model is closed
     * @throws IllegalArgumentException on native models, when {@code appended} does not hold one token per
     *     active row
     */
    int[] next(int[] appended);

    /**
     * Keeps only the active rows at positions {@code rows} (ascending) of the current active rows; the others
     * are dropped for good (on native models their KV cache entries are freed).
     *
     * @param rows positions in the current list of active rows, ascending; they become the new active rows
     *     0, 1, ...
     * @throws IllegalStateException when the model is closed
     */
    void keep(int[] rows);

    /**
     * Frees the session's decoding state (the KV cache of native models). The model stays open; after the
     * model was closed (which freed that state) this does nothing.
     */
    @Override
    void close();
}
