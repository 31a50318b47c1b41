package dev.retention.model.internal;

import dev.retention.model.CausalLm;
import org.apiguardian.api.API;

import java.util.Map;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * The diagonal of the empirical Fisher information of a (baseline) model, the importance measure
 * behind EWC:
 *
 * <pre>
 *   F_i = 1/N · Σ_n ( ∂ log p_θ*(y_n | x_n) / ∂θ_i )²
 * </pre>
 *
 * over N scored requests (x_n, y_n) — for a suite, each item's prompt and reference answer — at the
 * baseline's weights θ*, as {@link CausalLm#estimateFisher} computes it. {@link #weightedDrift(CausalLm)}
 * then gives, per parameter, {@code Σ_i F_i (θ_i - θ*_i)²}: "did the weights that matter for these requests
 * move?". Half of the total is the quadratic (second-order) estimate of how much the tuned weights raise the
 * baseline's mean negative log-likelihood on those requests, in nats.
 *
 * <p>The estimate holds its own copy of the model until {@link #close()}.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public interface FisherEstimate extends AutoCloseable {

    /**
     * Number of requests the estimate averages over.
     *
     * @return the number of rows the estimate was taken over, at least 1
     */
    int samples();

    /**
     * {@code Σ_i F_i} per parameter (the Fisher's trace, split by parameter).
     *
     * @return a new map from parameter name to its summed Fisher diagonal (summed in float64), in the model's
     *     parameter order
     */
    Map<String, Double> trace();

    /**
     * {@code Σ_i F_i (θ_i - θ*_i)²} per parameter, {@code θ} the weights of {@code tuned} and
     * {@code θ*} this estimate's (baseline) weights. Parameters are matched by name.
     *
     * <p>A LoRA adapter's change is included ({@code θ} is the base weight plus {@code s · B·A}). Computed in
     * float64 on this estimate's device.
     *
     * @param tuned the model whose weights are compared with the baseline's; it must be loaded locally (not
     *     served) and have the same parameter names
     * @return a new map from parameter name to its Fisher-weighted squared drift, in the tuned model's parameter
     *     order
     * @throws IllegalArgumentException naming a few unmatched parameters when the two models' parameter names
     *     differ
     * @throws UnsupportedOperationException when {@code tuned} is a served model
     * @throws IllegalStateException when {@code tuned} is closed
     */
    Map<String, Double> weightedDrift(CausalLm tuned);

    /** Frees the accumulated Fisher diagonal and the estimate's copy of the model. */
    @Override
    void close();
}
