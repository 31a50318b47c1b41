package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.Model;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cheap canaries of general ability: perplexity on plain general text (no labels needed), and a
 * handful of severity-tagged probes that must never regress.
 */
@RetentionTest(baseline = FixturePaths.BASE, tuned = FixturePaths.LORA, suite = FixturePaths.GENERAL,
        models = @RetentionTest.NamedModel(name = "full-ft", path = FixturePaths.FULL_FT))
class PerplexityAndCanariesTest {

    private static final Path TEXT = Path.of(FixturePaths.GENERAL_TEXT);
    private static final Suite CANARIES = Suite.load(Path.of("src/test/resources/fixture-canaries.jsonl"));

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel lora;
    @Model("full-ft")
    ScoredModel fullFt;

    @Test
    void loraKeepsPerplexityOnGeneralTextWithinOneAndAHalfTimesTheBaseline() {
        assertThatModel(lora).retains(base).perplexityOn(TEXT).withinFactor(1.5);
    }

    @Test
    void fullFineTunePerplexityOnGeneralTextBlowsUp() {
        assertThatThrownBy(() -> assertThatModel(fullFt).retains(base).perplexityOn(TEXT).withinFactor(1.5))
                .hasMessageContaining("Expected full-ft's token perplexity on general-text.txt to be at most 1.50 × base's");
    }

    @Test
    void loraPassesEveryHighSeverityCanaryTheBaselinePasses() {
        assertThatModel(lora).retains(base).on(CANARIES).everyCanaryAtLeast(Severity.HIGH);
    }

    @Test
    void fullFineTuneLosesCriticalCanaries() {
        assertThatThrownBy(() -> assertThatModel(fullFt).retains(base).on(CANARIES).everyCanaryAtLeast(Severity.CRITICAL))
                .hasMessageContaining("Expected full-ft to pass every critical-or-worse canary");
    }
}
