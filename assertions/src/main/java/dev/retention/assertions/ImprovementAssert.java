package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.util.List;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * The fine-tune learned its job: {@code assertThatModel(tuned).improvesOn(baseline).onCategory("support").byAtLeast(0.30)}.
 * Judged on the point estimates; each step returns a new assertion and leaves this one unchanged.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class ImprovementAssert extends ChainedAssert<ImprovementAssert, Comparison> {

    ImprovementAssert(Comparison actual) {
        super(actual, ImprovementAssert.class);
    }

    /**
     * Compares on {@code suite} instead of the models' default suite.
     *
     * @param suite the suite to compare the two models on
     * @return an improvement assertion on {@code suite}, for chaining
     */
    @CheckReturnValue
    public ImprovementAssert on(Suite suite) {
        return Navigation.next(advance(), actual.softly(), ImprovementAssert.class, Comparison.class, actual.withSuite(suite),
                ImprovementAssert::new, info.description());
    }

    /**
     * One category; an unknown name fails with the list of known categories when the verdict is
     * evaluated.
     *
     * @param category the category's name, as in the suite
     * @return the category assertion, to finish with {@code byAtLeast(gain)}
     */
    @CheckReturnValue
    public ImprovementCategoriesAssert onCategory(String category) {
        return onCategories(category);
    }

    /**
     * The named categories, each judged on its own; an unknown name fails with the list of known
     * categories when the verdict is evaluated.
     *
     * @param categories one or more category names, as in the suite
     * @return the category assertion, to finish with {@code byAtLeast(gain)}
     * @throws IllegalArgumentException when no name is given (every category is {@link #onEveryCategory()})
     */
    @CheckReturnValue
    public ImprovementCategoriesAssert onCategories(String... categories) {
        ChainTracker.Link from = advance(); // first: a refused selection leaves no chain open
        return select(from, new CategorySelection(actual, CategoryNames.named(categories), false, false));
    }

    /**
     * Every category of the suite that has scored items, each judged on its own.
     *
     * @return the category assertion, to finish with {@code byAtLeast(gain)}
     */
    @CheckReturnValue
    public ImprovementCategoriesAssert onEveryCategory() {
        return select(advance(), new CategorySelection(actual, List.of(), true, false));
    }

    /**
     * All scored items of the suite pooled into one row named {@code overall}.
     *
     * @return the category assertion, to finish with {@code byAtLeast(gain)}
     */
    @CheckReturnValue
    public ImprovementCategoriesAssert overall() {
        return select(advance(), new CategorySelection(actual, List.of(), false, true));
    }

    private ImprovementCategoriesAssert select(ChainTracker.Link from, CategorySelection s) {
        return Navigation.next(from, actual.softly(), ImprovementCategoriesAssert.class, CategorySelection.class, s,
                ImprovementCategoriesAssert::new, info.description());
    }
}
