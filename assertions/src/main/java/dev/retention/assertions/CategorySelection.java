package dev.retention.assertions;

import java.util.List;
import java.util.Objects;

/**
 * The state of a category-level assertion: a {@link Comparison} and the categories it covers.
 *
 * @param categories the named categories; empty together with {@code every} for all categories
 * @param every all categories that have scored items
 * @param overall all items of the suite pooled as one category named {@code overall}
 */
record CategorySelection(Comparison comparison, List<String> categories, boolean every, boolean overall) {
    public CategorySelection {
        Objects.requireNonNull(comparison, "comparison");
        categories = List.copyOf(categories);
    }
}
