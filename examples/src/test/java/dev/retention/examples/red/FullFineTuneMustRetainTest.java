package dev.retention.examples.red;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.CategorySource;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import org.junit.jupiter.params.ParameterizedTest;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;

/**
 * What a real regression looks like in CI: the full fine-tune held to the same standard as LoRA.
 * Excluded from the default build; run it with {@code mvn -B -Pred -pl examples -am verify} and
 * read {@code examples/target/surefire-reports}.
 */
@RetentionTest(baseline = "../src-test-fixtures/models/base", tuned = "../src-test-fixtures/models/full-ft",
        suite = "../src-test-fixtures/suites/general.jsonl")
class FullFineTuneMustRetainTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel fullFt;

    @ParameterizedTest(name = "{0}")
    @CategorySource
    void retainsEveryGeneralCategory(String category) {
        assertThatModel(fullFt).retains(base).onCategory(category).within(0.05);
    }
}
