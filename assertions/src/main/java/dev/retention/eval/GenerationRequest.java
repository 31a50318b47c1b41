package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Greedy generation from {@code prompt} for at most {@code maxNewTokens} tokens, stopping at EOS or
 * once the text holds one of {@code stop}.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record GenerationRequest(String prompt, int maxNewTokens, List<String> stop) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        stop = List.copyOf(stop);
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }
}
