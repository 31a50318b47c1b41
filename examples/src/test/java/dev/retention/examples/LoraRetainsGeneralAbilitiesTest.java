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

/** A rank-8 LoRA fine-tune keeps every general ability within five points and learns the support domain. */
@RetentionTest(baseline = FixturePaths.BASE, tuned = FixturePaths.LORA, suite = FixturePaths.GENERAL)
class LoraRetainsGeneralAbilitiesTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel lora;

    @ParameterizedTest(name = "{0}")
    @CategorySource
    void retainsEveryGeneralCategory(String category) {
        assertThatModel(lora).retains(base).onCategory(category).within(0.05);
    }

    @Test
    void learnsTheSupportDomain() {
        assertThatModel(lora).improvesOn(base).on(Suite.load(Path.of(FixturePaths.DOMAIN)))
                .onCategory("support").byAtLeast(0.30);
    }
}
