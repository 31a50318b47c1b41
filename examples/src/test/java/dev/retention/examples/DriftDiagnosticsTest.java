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

    private static final String ADAPTED =
            "model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight";
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
                .hasMessageContaining("model.embed_tokens.weight");
        assertThatThrownBy(() -> assertThatModel(fullFt).weightsComparedTo(base).hasLowRankChanges(8))
                .hasMessageContaining("changed matrices do not");
    }

    @Test
    void loraBarelyMovedTheWeightsThatMatterForGeneralAbilityButFullFineTuneDid() {
        Suite general = Suite.load(Path.of(FixturePaths.GENERAL));
        assertThatModel(lora).fisherWeightedDriftFrom(base).on(general).isAtMost(FISHER_BOUND);
        assertThatThrownBy(() -> assertThatModel(fullFt).fisherWeightedDriftFrom(base).on(general).isAtMost(FISHER_BOUND))
                .hasMessageContaining("Fisher-weighted drift");
    }

    @Test
    void loraKeepsNextTokenDistributionsOnGeneralTextCloseButFullFineTuneDoesNot() {
        assertThatModel(lora).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(KL_BOUND);
        assertThatThrownBy(() -> assertThatModel(fullFt).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(KL_BOUND))
                .hasMessageContaining("Tokens whose probability fell most");
    }

    // Bounds between the measured values on the committed fixtures: Fisher-weighted drift lora 6.8e-6,
    // full-ft 3.77e-4; mean next-token KL lora 0.096, full-ft 6.89 nats per token.
    private static final double FISHER_BOUND = 3e-4;
    private static final double KL_BOUND = 0.5;
}
