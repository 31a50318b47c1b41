package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.Locale;
import java.util.stream.Collectors;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Improvement over chosen categories; finish with the minimum gain. A failing verdict throws an
 * {@code AssertionError} whose message is the verdict table (collected instead in soft assertions).
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class ImprovementCategoriesAssert extends VerdictAssert<ImprovementCategoriesAssert, CategorySelection> {

    ImprovementCategoriesAssert(CategorySelection actual) {
        super(actual, ImprovementCategoriesAssert.class);
    }

    /**
     * Passes iff {@code tuned ≥ baseline + gain} in every selected category (point estimate). The
     * verdict table also shows McNemar's one-sided p for "no improvement", for a reader to judge
     * the noise; it does not decide the verdict.
     *
     * @param gain the least gain in accuracy, above -1 and at most 1, e.g. {@code 0.30} for thirty
     *     points; {@code 0} asks only that nothing got worse
     * @return this assertion, for chaining
     * @throws IllegalArgumentException when {@code gain} is not in {@code (-1, 1]}
     */
    public ImprovementCategoriesAssert byAtLeast(double gain) {
        conclude();
        isNotNull();
        checkVerdicts("improvement", () -> Judge.improvement(actual, gain), rows -> String.format(Locale.ROOT,
                "Expected %s to improve on %s on suite %s by at least %.3f, but it did not in: %s", rows.get(0).tuned(),
                rows.get(0).baseline(), rows.get(0).suite(), gain, rows.stream().filter(v -> !v.passed())
                        .map(CategoryVerdict::category).collect(Collectors.joining(", "))));
        return myself;
    }
}
