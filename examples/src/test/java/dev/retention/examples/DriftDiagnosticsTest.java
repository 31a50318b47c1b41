package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.Model;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static dev.retention.assertions.RetentionAssertions.assertThatThrownBy;

/** Where a fine-tune moved, in weight space and in its next-token distributions, without looking at labels. */
@RetentionTest(baseline = FixturePaths.BASE, tuned = FixturePaths.LORA, suite = FixturePaths.GENERAL,
        models = @RetentionTest.NamedModel(name = "full-ft", path = FixturePaths.FULL_FT))
class DriftDiagnosticsTest {

    private static final String ADAPTED = "core\\.blocks\\.\\d+\\.(qkv|proj|fc|out)\\.weight";
    private static final Path TEXT = Path.of(FixturePaths.GENERAL_TEXT);

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel lora;
    @Model("full-ft")
    ScoredModel fullFt;

    @Test
    void loraLeftTheBaseFrozenAndChangedItByRankEightUpdates() {
        assertThatModel(lora).weightsComparedTo(base).changedOnlyParametersMatching(ADAPTED).hasLowRankChanges(8);
    }

    @Test
    void fullFineTuneChangedEverythingAtFullRank() {
        assertThatThrownBy(() -> assertThatModel(fullFt).weightsComparedTo(base).changedOnlyParametersMatching(ADAPTED))
                .hasMessageContaining("core.wte.weight");
        assertThatThrownBy(() -> assertThatModel(fullFt).weightsComparedTo(base).hasLowRankChanges(8))
                .hasMessageContaining("changed matrices do not");
    }

    @Test
    void loraBarelyMovedTheWeightsThatMatterForGeneralAbility() {
        assertThatModel(lora).fisherWeightedDriftFrom(base).on(Suite.load(Path.of(FixturePaths.GENERAL)))
                .isAtMost(LORA_FISHER_BOUND);
    }

    @Test
    void loraKeepsNextTokenDistributionsOnGeneralTextCloseButFullFineTuneDoesNot() {
        assertThatModel(lora).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(KL_BOUND);
        assertThatThrownBy(() -> assertThatModel(fullFt).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(KL_BOUND))
                .hasMessageContaining("Tokens whose probability fell most");
    }

    // Bounds set between the measured values of lora and full-ft (see the closing note of issue 6).
    private static final double LORA_FISHER_BOUND = 1.0;
    private static final double KL_BOUND = 0.2;
}
