package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.assertj.core.api.AbstractAssert;

import java.util.Arrays;
import java.util.List;

/**
 * The fine-tune learned its job: {@code assertThatModel(tuned).improvesOn(baseline).onCategory("support").byAtLeast(0.30)}.
 */
public class ImprovementAssert extends AbstractAssert<ImprovementAssert, Comparison> {

    public ImprovementAssert(Comparison actual) {
        super(actual, ImprovementAssert.class);
    }

    public ImprovementAssert on(Suite suite) {
        return Navigation.next(actual.softly(), ImprovementAssert.class, Comparison.class, actual.withSuite(suite),
                ImprovementAssert::new, info.description());
    }

    public ImprovementCategoriesAssert onCategory(String category) {
        return onCategories(category);
    }

    public ImprovementCategoriesAssert onCategories(String... categories) {
        if (categories.length == 0) {
            throw new IllegalArgumentException("name at least one category, or use onEveryCategory()");
        }
        return select(new CategorySelection(actual, Arrays.asList(categories), false, false));
    }

    public ImprovementCategoriesAssert onEveryCategory() {
        return select(new CategorySelection(actual, List.of(), true, false));
    }

    public ImprovementCategoriesAssert overall() {
        return select(new CategorySelection(actual, List.of(), false, true));
    }

    private ImprovementCategoriesAssert select(CategorySelection s) {
        return Navigation.next(actual.softly(), ImprovementCategoriesAssert.class, CategorySelection.class, s,
                ImprovementCategoriesAssert::new, info.description());
    }
}
