package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.apiguardian.api.API.Status.MAINTAINED;

/**
 * Base of Retention's asserts: evaluates verdict rows, publishes them ({@link RetentionEvents}),
 * and fails with the verdict table as message and per-category expected/actual lines for IDE
 * diffs (an opentest4j {@code AssertionFailedError}, honouring {@code as(...)} and
 * {@code withFailMessage(...)}).
 *
 * @param <S> the concrete assertion type, returned by fluent methods
 * @param <A> the type of the subject under assertion
 * @since 0.1
 */
@API(status = MAINTAINED, since = "0.1")
public abstract class VerdictAssert<S extends VerdictAssert<S, A>, A> extends ChainedAssert<S, A> {

    /**
     * Creates the assertion, as AssertJ's {@code AbstractAssert} does.
     *
     * @param actual the subject of the assertion
     * @param selfType the concrete assertion class, {@code S}
     */
    protected VerdictAssert(A actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * Evaluates the verdict rows, publishes them to {@link RetentionEvents} (pass or fail), and fails
     * when any row did not pass: the message is the verdict table under {@code headline}, with one
     * expected and one actual line per category. A category the suite lacks fails with its own
     * message instead, and nothing is published.
     *
     * @param kind event kind, e.g. {@code retention}
     * @param verdicts computes the rows
     * @param headline the message's first line, given the rows
     */
    protected final void checkVerdicts(String kind, Supplier<List<CategoryVerdict>> verdicts,
                                       Function<List<CategoryVerdict>, String> headline) {
        List<CategoryVerdict> rows;
        try {
            rows = verdicts.get();
        } catch (Judge.UnknownCategoryException e) {
            failWithMessage("%s", e.getMessage());
            return;
        }
        RetentionEvents.publish(kind, rows);
        if (rows.stream().anyMatch(v -> !v.passed())) {
            failWithActualExpectedAndMessage(VerdictTable.actualLines(rows), VerdictTable.expectedLines(rows), "%s",
                    VerdictTable.render(headline.apply(rows), rows));
        }
    }
}
