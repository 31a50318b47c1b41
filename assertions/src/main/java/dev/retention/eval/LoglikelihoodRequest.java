package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Score {@code continuation} given {@code context} (lm-evaluation-harness {@code loglikelihood}).
 *
 * <p>Trailing whitespace of the context is moved to the front of the continuation before encoding, and
 * the pair is encoded whole, so the continuation's tokens are those after the context's
 * (see {@link Evaluator#loglikelihood(java.util.List)}).
 *
 * @param context the text the model is conditioned on; when it encodes to no tokens (empty, say), the
 *     model's BOS token, else its EOS token, stands in for it
 * @param continuation the text scored after {@code context}; must encode to at least one token and at most
 *     the model's context length
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record LoglikelihoodRequest(String context, String continuation) {
    /**
     * A request for {@code continuation} after {@code context}.
     *
     * @param context the text the model is conditioned on
     * @param continuation the text scored after {@code context}
     * @throws NullPointerException naming the component when {@code context} or {@code continuation} is null
     */
    public LoglikelihoodRequest {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
    }
}
