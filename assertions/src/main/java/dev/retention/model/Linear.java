package dev.retention.model;

import ai.djl.ndarray.NDArray;

/**
 * One projection {@code y = x Wᵀ + b} of a Hugging Face module ({@code torch.nn.functional.linear},
 * the op transformers' {@code nn.Linear} runs), named as in the checkpoint. GPT-2's Conv1D stores
 * {@code W} as {@code [in, out]}; it is multiplied through a transposed view, without a copy.
 *
 * @param module the Hugging Face module name, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param weight {@code [out, in]}, or {@code [in, out]} for a Conv1D
 * @param bias {@code [out]} or {@code null}
 * @param conv1d whether {@code weight} is stored as GPT-2's Conv1D stores it
 */
record Linear(String module, NDArray weight, NDArray bias, boolean conv1d) {

    /** {@code x Wᵀ + b} for {@code x} of shape {@code [..., in]}; the result belongs to {@code x}'s manager. */
    NDArray apply(NDArray x) {
        if (!conv1d) {
            return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        }
        NDArray w = weight.transpose(); // a view: the engine multiplies it without copying
        w.attach(x.getManager()); // the view is the call's, not the model's (which would keep one per call)
        return x.getNDArrayInternal().linear(x, w, bias).singletonOrThrow();
    }

    /** Rows of {@code W} as {@code nn.Linear} stores it ({@code [out, in]}). */
    long outFeatures() {
        return weight.getShape().get(conv1d ? 1 : 0);
    }

    long inFeatures() {
        return weight.getShape().get(conv1d ? 0 : 1);
    }
}
