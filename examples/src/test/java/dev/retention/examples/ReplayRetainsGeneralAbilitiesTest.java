package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.CategorySource;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

import java.nio.file.Path;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;

/** A full fine-tune with about 20% general data replayed keeps every general ability and learns the domain. */
@RetentionTest(baseline = FixturePaths.BASE, tuned = FixturePaths.REPLAY, suite = FixturePaths.GENERAL)
class ReplayRetainsGeneralAbilitiesTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel replay;

    @ParameterizedTest(name = "{0}")
    @CategorySource
    void retainsEveryGeneralCategory(String category) {
        assertThatModel(replay).retains(base).onCategory(category).within(0.05);
    }

    @Test
    void learnsTheSupportDomain() {
        assertThatModel(replay).improvesOn(base).on(Suite.load(Path.of(FixturePaths.DOMAIN)))
                .onCategory("support").byAtLeast(0.30);
    }
}
