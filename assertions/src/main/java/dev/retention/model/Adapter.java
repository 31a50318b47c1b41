package dev.retention.model;

import ai.djl.ndarray.NDArray;

/**
 * Extra terms added to a base model's projections without touching its weights (a LoRA adapter
 * adds {@code scale · B(A(x))}), so one set of base weights serves the baseline and every adapter.
 */
interface Adapter {

    /**
     * The output of {@code module} with the adapter applied.
     *
     * @param module the Hugging Face module name, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param x the module's input
     * @param base the base projection of {@code x}
     */
    NDArray apply(String module, NDArray x, NDArray base);
}
