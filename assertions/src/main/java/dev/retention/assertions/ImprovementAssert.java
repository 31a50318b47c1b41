package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.util.List;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * The fine-tune learned its job: {@code assertThatModel(tuned).improvesOn(baseline).onCategory("support").byAtLeast(0.30)}.
 */
@API(status = STABLE, since = "0.1")
public class ImprovementAssert extends ChainedAssert<ImprovementAssert, Comparison> {

    ImprovementAssert(Comparison actual) {
        super(actual, ImprovementAssert.class);
    }

    @CheckReturnValue
    public ImprovementAssert on(Suite suite) {
        return Navigation.next(advance(), actual.softly(), ImprovementAssert.class, Comparison.class, actual.withSuite(suite),
                ImprovementAssert::new, info.description());
    }

    @CheckReturnValue
    public ImprovementCategoriesAssert onCategory(String category) {
        return onCategories(category);
    }

    @CheckReturnValue
    public ImprovementCategoriesAssert onCategories(String... categories) {
        ChainTracker.Link from = advance(); // first: a refused selection leaves no chain open
        return select(from, new CategorySelection(actual, CategoryNames.named(categories), false, false));
    }

    @CheckReturnValue
    public ImprovementCategoriesAssert onEveryCategory() {
        return select(advance(), new CategorySelection(actual, List.of(), true, false));
    }

    @CheckReturnValue
    public ImprovementCategoriesAssert overall() {
        return select(advance(), new CategorySelection(actual, List.of(), false, true));
    }

    private ImprovementCategoriesAssert select(ChainTracker.Link from, CategorySelection s) {
        return Navigation.next(from, actual.softly(), ImprovementCategoriesAssert.class, CategorySelection.class, s,
                ImprovementCategoriesAssert::new, info.description());
    }
}
