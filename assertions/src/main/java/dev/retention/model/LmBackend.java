package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.Map;

/**
 * What runs a causal LM's forward passes for {@link CausalLm}: Hugging Face checkpoints natively
 * ({@link NativeLm}) or a legacy TorchScript export ({@link TorchScriptLm}). Calls run one at a time
 * unless {@link #concurrentCalls()} says otherwise; every array a call creates belongs to the manager it
 * is given.
 */
interface LmBackend extends AutoCloseable {

    /**
     * Float32 logits {@code [flatPositions.length, vocab]} at {@code flatPositions} ({@code row · t + column})
     * of a right-padded batch {@code ids}/{@code mask} (row-major {@code [b, t]}), owned by {@code m}.
     */
    NDArray logits(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions);

    /**
     * What {@link #head} turns into the logits at {@code flatPositions}, as {@link #logits} takes its arguments:
     * the final hidden states there for a model whose output projection Retention runs (so a caller can project
     * a few rows at a time), the logits themselves otherwise.
     */
    default NDArray targetStates(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions) {
        return logits(m, ids, mask, b, t, flatPositions);
    }

    /** Logits {@code [rows, vocab]} of rows of {@link #targetStates}; owned by the manager of {@code states}. */
    default NDArray head(NDArray states) {
        return states;
    }

    /** A greedy decoding session over {@code prompts}, its arrays owned by (a child of) {@code m}. */
    Decoding decode(NDManager m, List<int[]> prompts, int padId);

    /** The model's weights by name (Hugging Face names for native models), owned by the model. */
    Map<String, NDArray> parameters();

    /** The manager owning the weights. */
    NDManager manager();

    /** How the model runs, for messages and reports, e.g. {@code llama (native)} or {@code TorchScript}. */
    String kind();

    /**
     * Whether calls may run on several threads at once (each with its own manager and decoding state): true
     * only where every call reads the weights and writes nothing shared.
     */
    default boolean concurrentCalls() {
        return false;
    }

    @Override
    void close();

    /**
     * Greedy decoding of a batch: {@link #next} returns the argmax next token of every active row;
     * the caller appends it (or finishes the row) and calls again with those tokens.
     */
    interface Decoding extends AutoCloseable {

        /**
         * The argmax next token of every active row. The first call ({@code appended == null}) reads
         * the prompts; later calls feed the token each active row appended since.
         */
        int[] next(int[] appended);

        /** Keeps only the active rows at positions {@code rows} (ascending) of the current active list. */
        void keep(int[] rows);

        @Override
        void close();
    }
}
