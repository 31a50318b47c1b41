package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Retention over chosen categories; finish with a tolerance. A failing verdict throws an
 * {@code AssertionError} whose message is the verdict table (collected instead in soft assertions).
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class RetentionCategoriesAssert extends VerdictAssert<RetentionCategoriesAssert, CategorySelection> {

    RetentionCategoriesAssert(CategorySelection actual) {
        super(actual, RetentionCategoriesAssert.class);
    }

    /**
     * Absolute tolerance in accuracy points: retained iff {@code tuned ≥ baseline - delta} (e.g.
     * {@code 0.05} = five points), judged by the chain's {@link VerdictRule}.
     *
     * @param delta the allowed drop in accuracy, at least 0 and below 1
     * @return this assertion, for chaining
     * @throws IllegalArgumentException when {@code delta} is not in {@code [0, 1)}
     */
    public RetentionCategoriesAssert within(double delta) {
        conclude();
        return judge(new Judge.Tolerance(false, delta));
    }

    /**
     * Relative tolerance (recovery ratio): retained iff {@code tuned ≥ (1 - ratio) · baseline}, e.g.
     * {@code 0.05} keeps 95% of the baseline's accuracy. A point comparison only.
     *
     * @param ratio the allowed relative drop, at least 0 and below 1
     * @return this assertion, for chaining
     * @throws IllegalArgumentException when {@code ratio} is not in {@code [0, 1)}, or when the chain
     *     chose a rule other than {@link VerdictRule#POINT_ESTIMATE}
     */
    public RetentionCategoriesAssert withinRelative(double ratio) {
        conclude();
        return judge(new Judge.Tolerance(true, ratio));
    }

    private RetentionCategoriesAssert judge(Judge.Tolerance tol) {
        isNotNull();
        checkVerdicts("retention", () -> Judge.retention(actual, tol), rows -> headline(rows, tol));
        return myself;
    }

    private String headline(List<CategoryVerdict> rows, Judge.Tolerance tol) {
        List<CategoryVerdict> failed = rows.stream().filter(v -> !v.passed()).toList();
        CategoryVerdict first = rows.get(0);
        String why = switch (first.rule()) {
            case POINT_ESTIMATE -> "fell below the threshold";
            case FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING -> "show forgetting beyond the tolerance at "
                    + pct(actual.comparison().confidence()) + " confidence";
            case PASS_ONLY_ON_EVIDENCE_OF_RETENTION -> "do not show retention within the tolerance at "
                    + pct(actual.comparison().confidence()) + " confidence";
        };
        return String.format(Locale.ROOT, "Expected %s to retain %s on suite %s (%s, %s), but %d of %d categor%s %s: %s",
                first.tuned(), first.baseline(), first.suite(), tol.describe(), first.rule().label(), failed.size(),
                rows.size(), rows.size() == 1 ? "y" : "ies", why,
                failed.stream().map(CategoryVerdict::category).collect(Collectors.joining(", ")));
    }

    private static String pct(double confidence) {
        return String.format(Locale.ROOT, "%.0f%%", confidence * 100);
    }
}
