package dev.retention.model;

import ai.djl.ndarray.NDArray;

/**
 * Changes an adapter makes to a base model's projections without touching its weights, so one set
 * of base weights serves the baseline and every adapter over it: a projection may get another bias
 * or a whole replacement ({@code modules_to_save}), and low-rank terms are added to its output
 * (LoRA: {@code + scale · B(A(x))}).
 */
interface Adapter {

    /** The projection {@code base} as this adapter runs it (the same, or with its own bias or weights). */
    Linear base(Linear base);

    /**
     * The output of {@code module} with the adapter's additive terms.
     *
     * @param module the Hugging Face module name, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param x the module's input
     * @param y the (possibly re-biased) base projection of {@code x}: a fresh array of this call, which the
     *     adapter may add into and return
     */
    NDArray apply(String module, NDArray x, NDArray y);
}
