package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Objects;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Greedy generation from {@code prompt} for at most {@code maxNewTokens} tokens, stopping at EOS or
 * once the text holds one of {@code stop}.
 *
 * @param prompt the text generation starts from (an empty one starts from the model's BOS or EOS token)
 * @param maxNewTokens the most tokens to generate, at least 1; the prompt keeps its last
 *     {@code contextLength - maxNewTokens} tokens, so this must stay below the model's context length
 * @param stop stop strings, none empty; an unmodifiable copy of the list given, empty for none
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record GenerationRequest(String prompt, int maxNewTokens, List<String> stop) {
    /**
     * A request; {@code stop} is copied.
     *
     * @param prompt the text generation starts from
     * @param maxNewTokens the most tokens to generate, at least 1
     * @param stop stop strings, none empty
     * @throws NullPointerException when {@code prompt}, {@code stop} or one of its strings is null
     * @throws IllegalArgumentException when {@code maxNewTokens} is below 1 or a stop string is empty
     */
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
