package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleBiFunction;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Forgetting over an ordered sequence of checkpoints (see {@link ForgettingCurve} for the
 * definitions):
 *
 * <pre>{@code
 * assertThatCheckpoints(steps).relativeTo(base).onCategory("geography").hasForgettingAtMost(0.10);
 * assertThatCheckpoints(steps).relativeTo(base).onEveryCategory().hasBackwardTransferAtLeast(-0.05);
 * }</pre>
 *
 * <p>Each step returns a new assertion and leaves this one unchanged. A verdict scores the baseline
 * and every checkpoint on the suite (or reuses their scorecards) and publishes one
 * {@link DiagnosticVerdict} of kind {@code checkpoints} per category, pass or fail.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class CheckpointsAssert extends ChainedAssert<CheckpointsAssert, CheckpointSeries> {

    CheckpointsAssert(CheckpointSeries actual) {
        super(actual, CheckpointsAssert.class);
    }

    /**
     * The model the checkpoints were fine-tuned from ({@code t = 0}); a verdict needs it.
     *
     * @param baseline the model the run started from
     * @return a checkpoints assertion relative to {@code baseline}, for chaining
     */
    @CheckReturnValue
    public CheckpointsAssert relativeTo(ScoredModel baseline) {
        return with(advance(), new CheckpointSeries(actual.checkpoints(), Optional.of(baseline), actual.suite(),
                actual.categories(), actual.softly()));
    }

    /**
     * Judges the checkpoints on {@code suite}; without it, the baseline's default suite is used, else
     * the first checkpoint's.
     *
     * @param suite the suite to score the baseline and the checkpoints on
     * @return a checkpoints assertion on {@code suite}, for chaining
     */
    @CheckReturnValue
    public CheckpointsAssert on(Suite suite) {
        return with(advance(), new CheckpointSeries(actual.checkpoints(), actual.baseline(), Optional.of(suite),
                actual.categories(), actual.softly()));
    }

    /**
     * One category; an unknown name fails with the list of known categories when the verdict is
     * evaluated.
     *
     * @param category the category's name, as in the suite
     * @return a checkpoints assertion on that category, for chaining
     */
    @CheckReturnValue
    public CheckpointsAssert onCategory(String category) {
        return onCategories(category);
    }

    /**
     * The named categories, each judged on its own; an unknown name fails with the list of known
     * categories when the verdict is evaluated.
     *
     * @param categories one or more category names, as in the suite
     * @return a checkpoints assertion on those categories, for chaining
     * @throws IllegalArgumentException when no name is given (every category is {@link #onEveryCategory()})
     */
    @CheckReturnValue
    public CheckpointsAssert onCategories(String... categories) {
        ChainTracker.Link from = advance(); // first: a refused selection leaves no chain open
        return with(from, new CheckpointSeries(actual.checkpoints(), actual.baseline(), actual.suite(),
                CategoryNames.named(categories), actual.softly()));
    }

    /**
     * All categories with scored items (the default).
     *
     * @return a checkpoints assertion on every category, for chaining
     */
    @CheckReturnValue
    public CheckpointsAssert onEveryCategory() {
        return with(advance(), new CheckpointSeries(actual.checkpoints(), actual.baseline(), actual.suite(), List.of(),
                actual.softly()));
    }

    /**
     * Every selected category has {@code BWT(c) = R[T][c] - R[0][c] ≥ minimum} (e.g. {@code -0.05}).
     * A failure names the categories below it and shows the whole accuracy table.
     *
     * @param minimum the least backward transfer allowed, in accuracy points; negative allows a loss
     * @return this assertion, for chaining
     * @throws IllegalStateException when no baseline was named with {@code relativeTo}, when there is
     *     no suite to judge on, or when two models were scored with different settings
     * @throws IllegalArgumentException when no checkpoints were given
     */
    public CheckpointsAssert hasBackwardTransferAtLeast(double minimum) {
        conclude();
        return check("backward transfer", ForgettingCurve::backwardTransfer, v -> v >= minimum - Judge.EPS,
                String.format(Locale.ROOT, "≥ %+.3f", minimum));
    }

    /**
     * Every selected category has forgetting measure {@code F(c) = max_{t<T} R[t][c] - R[T][c] ≤ maximum}.
     * A failure names the categories above it and shows the whole accuracy table.
     *
     * @param maximum the largest forgetting allowed, in accuracy points (e.g. {@code 0.10})
     * @return this assertion, for chaining
     * @throws IllegalStateException when no baseline was named with {@code relativeTo}, when there is
     *     no suite to judge on, or when two models were scored with different settings
     * @throws IllegalArgumentException when no checkpoints were given
     */
    public CheckpointsAssert hasForgettingAtMost(double maximum) {
        conclude();
        return check("forgetting", ForgettingCurve::forgetting, v -> v <= maximum + Judge.EPS,
                String.format(Locale.ROOT, "≤ %.3f", maximum));
    }

    private CheckpointsAssert check(String metric, ToDoubleBiFunction<ForgettingCurve, String> value,
                                    java.util.function.DoublePredicate ok, String bound) {
        isNotNull();
        ForgettingCurve curve = actual.curve();
        List<String> cats = actual.categories().isEmpty() ? curve.categories() : actual.categories();
        List<String> bad = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        StringBuilder got = new StringBuilder();
        for (String c : cats) {
            try {
                CategoryNames.requireKnown(c, actual.resolveSuite().name(), curve.categories(), "");
            } catch (Judge.UnknownCategoryException e) {
                failWithMessage("%s", e.getMessage());
            }
            double v = value.applyAsDouble(curve, c);
            expected.append(c).append(": ").append(metric).append(' ').append(bound).append('\n');
            got.append(c).append(": ").append(metric).append(' ')
                    .append(ok.test(v) ? bound : String.format(Locale.ROOT, "%+.3f", v)).append('\n');
            List<String> path = new ArrayList<>();
            for (int t = 0; t <= curve.checkpoints(); t++) {
                path.add(String.format(Locale.ROOT, "%s %.3f", curve.names().get(t), curve.accuracy(t, c)));
            }
            RetentionEvents.publish(new DiagnosticVerdict("checkpoints", curve.names().get(curve.checkpoints()),
                    curve.names().get(0), String.format(Locale.ROOT, "%s of %s over %d checkpoints (%s..%s)", metric, c,
                    curve.checkpoints(), curve.names().get(1), curve.names().get(curve.checkpoints())), v, bound,
                    ok.test(v), path));
            if (!ok.test(v)) {
                bad.add(String.format(Locale.ROOT, "%s (%+.3f)", c, v));
            }
        }
        if (!bad.isEmpty()) {
            failWithActualExpectedAndMessage(got.toString(), expected.toString(), "%s", String.format(Locale.ROOT,
                    "Expected %s over %d checkpoints of %s to be %s in every category, but not in: %s%n%n%s", metric,
                    curve.checkpoints(), curve.names().get(0), bound, String.join(", ", bad), curve.table()));
        }
        return myself;
    }

    private CheckpointsAssert with(ChainTracker.Link from, CheckpointSeries s) {
        return Navigation.next(from, actual.softly(), CheckpointsAssert.class, CheckpointSeries.class, s,
                CheckpointsAssert::new, info.description());
    }
}
