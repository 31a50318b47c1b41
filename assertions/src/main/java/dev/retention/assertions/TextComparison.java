package dev.retention.assertions;

import java.util.Objects;

/** The state of a text-based comparison ({@link PerplexityAssert}, {@link DivergenceAssert}): the comparison and the text. */
record TextComparison(Comparison comparison, String label, String text) {

    /** Placeholder before a text is chosen. */
    static final String UNSET = "\u0000unset";

    public TextComparison {
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(label, "label");
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("the text must not be empty");
        }
    }
}
