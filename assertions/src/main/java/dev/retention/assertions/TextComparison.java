package dev.retention.assertions;

import java.util.Objects;

/** The state of a {@link PerplexityAssert}: the comparison and the text both models are measured on. */
public record PerplexityComparison(Comparison comparison, String label, String text) {
    public PerplexityComparison {
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(label, "label");
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("perplexity text must not be empty");
        }
    }
}
