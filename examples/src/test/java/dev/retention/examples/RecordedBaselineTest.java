package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import org.junit.jupiter.api.Test;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CI without the baseline model: its scorecard was recorded once and committed
 * ({@code mvn -B -pl examples -am verify -Dretention.baseline.record=true -Dtest=RecordedBaselineTest
 * -Dsurefire.failIfNoSpecifiedTests=false}), and the candidate is compared with it.
 */
@RetentionTest(recordedBaseline = "src/test/resources/baselines/base-general.json", baseline = FixturePaths.BASE,
        tuned = FixturePaths.REPLAY,
        suite = FixturePaths.GENERAL)
class RecordedBaselineTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel replay;

    @Test
    void replayRetainsTheRecordedBaselineOverall() {
        assertThat(base.evaluator()).as("a recorded baseline has no model behind it").isEmpty();
        assertThatModel(replay).retains(base).overall().within(0.05);
    }
}
