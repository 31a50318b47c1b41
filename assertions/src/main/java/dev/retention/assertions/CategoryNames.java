package dev.retention.assertions;

import java.util.Arrays;
import java.util.List;

/**
 * How every chain selects categories by name: {@code onCategories()} names at least one (none is a
 * mistake, not "all": that is {@code onEveryCategory()}), and a name the suite lacks is refused
 * with the names it has.
 */
final class CategoryNames {

    private CategoryNames() {
    }

    /** The names given to {@code onCategories(String...)}. */
    static List<String> named(String... categories) {
        if (categories.length == 0) {
            throw new IllegalArgumentException("name at least one category, or use onEveryCategory()");
        }
        return Arrays.asList(categories);
    }

    /**
     * @param hint appended to the message, e.g. where else the name was seen; empty for none
     * @throws Judge.UnknownCategoryException when {@code known} lacks {@code name}
     */
    static void requireKnown(String name, String suite, List<String> known, String hint) {
        if (!known.contains(name)) {
            throw new Judge.UnknownCategoryException("no category '" + name + "' in suite " + suite
                    + "; known categories: " + String.join(", ", known) + hint);
        }
    }
}
