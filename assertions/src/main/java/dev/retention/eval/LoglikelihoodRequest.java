package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/** Score {@code continuation} given {@code context} (lm-evaluation-harness {@code loglikelihood}). */
@API(status = EXPERIMENTAL, since = "0.1")
public record LoglikelihoodRequest(String context, String continuation) {
    public LoglikelihoodRequest {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
    }
}
