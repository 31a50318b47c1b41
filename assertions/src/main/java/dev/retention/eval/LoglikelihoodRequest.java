package dev.retention.eval;

import java.util.Objects;

/** Score {@code continuation} given {@code context} (lm-evaluation-harness {@code loglikelihood}). */
public record LoglikelihoodRequest(String context, String continuation) {
    public LoglikelihoodRequest {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
    }
}
