package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Per-parameter difference {@code tuned - baseline}.
 *
 * @param name TorchScript parameter name, e.g. {@code core.blocks.0.qkv.weight} (for a Hugging Face
 *     checkpoint, the checkpoint's name, e.g. {@code model.layers.0.self_attn.q_proj.weight})
 * @param shape parameter shape
 * @param count number of elements
 * @param sumSquaredDiff {@code Σ (θ_tuned - θ_baseline)²}
 * @param maxAbsDiff {@code max |θ_tuned - θ_baseline|}; 0 means bit-identical (for finite weights)
 * @param baselineSumSquares {@code Σ θ_baseline²}, to relate drift to the weights' size
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ParameterDelta(String name, long[] shape, long count, double sumSquaredDiff, double maxAbsDiff,
                             double baselineSumSquares) {

    /**
     * Whether every element is identical in both models.
     *
     * @return {@code true} when {@link #maxAbsDiff()} is 0 (a NaN difference does not count as identical)
     */
    public boolean identical() {
        return maxAbsDiff == 0.0;
    }

    /**
     * Root-mean-square drift of this parameter.
     *
     * @return {@code sqrt(sumSquaredDiff / count)}, in the weights' own units
     */
    public double rms() {
        return Math.sqrt(sumSquaredDiff / count);
    }
}
