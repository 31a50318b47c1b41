package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A full fine-tune with a high learning rate learns the domain and forgets general abilities. These
 * tests assert that the retention assertion fails, with a message naming what was forgotten, so the
 * default build stays green; {@code -Pred} runs the same assertion as a real, red test.
 */
@RetentionTest(baseline = FixturePaths.BASE, tuned = FixturePaths.FULL_FT, suite = FixturePaths.GENERAL)
class FullFineTuneForgetsTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel fullFt;

    @Test
    void fullFineTuneForgetsGeographyArithmeticAndFormats() {
        assertThatThrownBy(() -> assertThatModel(fullFt).retains(base).onEveryCategory().within(0.05))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected full-ft to retain base on suite general")
                .hasMessageContainingAll("geography", "arithmetic", "format", "FAILED", "Newly failing items");
    }

    @Test
    void theForgettingIsBeyondNoiseEvenWhenOnlyEvidenceCounts() {
        assertThatThrownBy(() -> assertThatModel(fullFt).retains(base).failingOnlyOnEvidenceOfForgetting(0.95)
                .onCategories("geography", "format").within(0.05))
                .hasMessageContaining("show forgetting beyond the tolerance at 95% confidence: geography, format");
    }

    @Test
    void fullFineTuneLearnsTheDomainAllTheSame() {
        assertThatModel(fullFt).improvesOn(base).on(Suite.load(Path.of(FixturePaths.DOMAIN)))
                .onCategory("support").byAtLeast(0.80);
    }
}
