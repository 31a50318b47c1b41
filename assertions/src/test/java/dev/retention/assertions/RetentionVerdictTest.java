package dev.retention.assertions;

import dev.retention.suite.Severity;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.List;
import java.util.Map;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RetentionVerdictTest {

    private final Cards cards = new Cards().category("math", 40).category("geo", 40);
    private final ScoredModel base = cards.model("base", Map.of(
            "math", Cards.firstPassing(40, 36), "geo", Cards.firstPassing(40, 38)));

    @Test
    void smallDropWithinToleranceIsRetained() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 35), "geo", Cards.firstPassing(40, 38)));
        assertThatCode(() -> assertThatModel(tuned).retains(base).onEveryCategory().within(0.05))
                .doesNotThrowAnyException();
    }

    @Test
    void forgottenCategoryFailsWithTheVerdictTableAndTheNewlyFailingItems() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 20), "geo", Cards.firstPassing(40, 38)));
        AssertionFailedError e = catchThrowableOfType(AssertionFailedError.class,
                () -> assertThatModel(tuned).retains(base).onEveryCategory().within(0.05));
        assertThat(e.getMessage())
                .startsWith("Expected tuned to retain base on suite synthetic (δ = 0.050, point estimate), "
                        + "but 1 of 2 categories fell below the threshold: math")
                .contains("category", "baseline", "tuned", "95% CI", "threshold", "verdict")
                .containsPattern("math\\s+40\\s+0\\.900\\s+0\\.500\\s+-0\\.400\\s+\\[-0\\.\\d{3}, -0\\.\\d{3}\\]\\s+<0\\.0001"
                        + "\\s+≥ 0\\.850\\s+FAILED")
                .containsPattern("geo\\s+40\\s+0\\.950\\s+0\\.950\\s+\\+0\\.000.*ok")
                .contains("Newly failing items (16 in total, first 5):", "math-20 (math)", "expected: \" answer\"",
                        "tuned:    \" wrong\"");
        assertThat(e.isExpectedDefined()).isTrue();
        assertThat(e.getExpected().getStringRepresentation()).contains("math: ok (tuned ≥ 0.850)");
        assertThat(e.getActual().getStringRepresentation()).contains("math: FAILED (tuned 0.500, baseline 0.900")
                .contains("geo: ok (tuned ≥ 0.900)");
    }

    @Test
    void unknownCategoryFailsListingTheKnownOnes() {
        assertThatThrownBy(() -> assertThatModel(base).allowingSameModel().retains(base).onCategory("maths").within(0.1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no category 'maths' in suite synthetic; known categories: geo, math");
    }

    @Test
    void descriptionPrefixesTheMessage() {
        ScoredModel tuned = cards.model("tuned", Map.of("math", Cards.firstPassing(40, 0), "geo", Cards.firstPassing(40, 0)));
        assertThatThrownBy(() -> assertThatModel(tuned).as("nightly candidate").retains(base).overall().within(0.1))
                .hasMessageStartingWith("[nightly candidate] Expected tuned to retain base");
    }

    @Test
    void relativeToleranceKeepsARecoveryRatio() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 33), "geo", Cards.firstPassing(40, 38)));
        // 33/40 = 0.825 ≥ 0.9 · 0.9 = 0.81, but < 0.9 - 0.05 = 0.85
        assertThatCode(() -> assertThatModel(tuned).retains(base).onCategory("math").withinRelative(0.10))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategory("math").within(0.05))
                .hasMessageContaining("≥ 0.850");
        assertThatThrownBy(() -> assertThatModel(tuned).retains(base).failingOnlyOnEvidenceOfForgetting(0.95)
                .onCategory("math").withinRelative(0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use within(δ)");
    }

    @Test
    void smallNoisyDropFailsThePointRuleButNotTheEvidenceOfForgettingRule() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 32), "geo", Cards.firstPassing(40, 38)));
        assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategory("math").within(0.05));
        assertThatCode(() -> assertThatModel(tuned).retains(base).failingOnlyOnEvidenceOfForgetting(0.95)
                .onCategory("math").within(0.05)).doesNotThrowAnyException();
    }

    @Test
    void largeDropFailsEvenWhenOnlyEvidenceOfForgettingCounts() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 10), "geo", Cards.firstPassing(40, 38)));
        assertThatThrownBy(() -> assertThatModel(tuned).retains(base).failingOnlyOnEvidenceOfForgetting(0.95)
                .onEveryCategory().within(0.05))
                .hasMessageContaining("fails only on evidence of forgetting")
                .hasMessageContaining("show forgetting beyond the tolerance at 95% confidence: math")
                .hasMessageContaining("Holm-adjusted");
    }

    @Test
    void unchangedSmallSuiteCannotProveRetentionButALargeOneCan() {
        assertThatThrownBy(() -> assertThatModel(base).allowingSameModel().retains(base).passingOnlyOnEvidenceOfRetention(0.95)
                .onCategory("math").within(0.05))
                .hasMessageContaining("do not show retention within the tolerance at 95% confidence: math");
        Cards big = new Cards().category("math", 400);
        ScoredModel b = big.model("base", Map.of("math", Cards.firstPassing(400, 360)));
        ScoredModel t = big.model("tuned", Map.of("math", Cards.firstPassing(400, 360)));
        assertThatCode(() -> assertThatModel(t).retains(b).passingOnlyOnEvidenceOfRetention(0.95)
                .onCategory("math").within(0.05)).doesNotThrowAnyException();
    }

    @Test
    void improvementNeedsTheGainInEveryChosenCategory() {
        ScoredModel tuned = cards.model("tuned", Map.of(
                "math", Cards.firstPassing(40, 40), "geo", Cards.firstPassing(40, 38)));
        ScoredModel weak = cards.model("weak", Map.of(
                "math", Cards.firstPassing(40, 10), "geo", Cards.firstPassing(40, 10)));
        assertThatCode(() -> assertThatModel(tuned).improvesOn(weak).onCategory("math").byAtLeast(0.30))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> assertThatModel(weak).improvesOn(tuned).onEveryCategory().byAtLeast(0.0))
                .hasMessageContaining("Expected weak to improve on tuned on suite synthetic by at least 0.000, "
                        + "but it did not in: geo, math");
    }

    @Test
    void canariesFailOnlyForRegressionsAtTheChosenSeverity() {
        Cards c = new Cards().category("probe", 4).severity("probe-0", "critical").severity("probe-1", "medium");
        ScoredModel b = c.model("base", Map.of("probe", new boolean[] {true, true, true, false}));
        ScoredModel mediumLost = c.model("t1", Map.of("probe", new boolean[] {true, false, true, true}));
        ScoredModel criticalLost = c.model("t2", Map.of("probe", new boolean[] {false, true, true, true}));
        assertThatCode(() -> assertThatModel(mediumLost).retains(b).everyCanaryAtLeast(Severity.HIGH))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> assertThatModel(mediumLost).retains(b).everyCanaryAtLeast(Severity.MEDIUM))
                .hasMessageContaining("1 regressed").hasMessageContaining("probe-1");
        assertThatThrownBy(() -> assertThatModel(criticalLost).retains(b).everyCanaryAtLeast(Severity.CRITICAL))
                .hasMessageContaining("probe-0");
    }

    @Test
    void everyVerdictRowIsPublishedPassOrFail() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        AutoCloseable listener = RetentionEvents.register((kind, rows) -> rows.forEach(r -> seen.add(kind + ":"
                + r.category() + ":" + r.passed())));
        try {
            assertThatModel(base).allowingSameModel().retains(base).onEveryCategory().within(0.0);
        } finally {
            listener.close();
        }
        assertThat(seen).containsExactly("retention:geo:true", "retention:math:true");
    }

    @Test
    void recordedBaselineOfAnotherSuiteVersionIsRefused() {
        Cards other = new Cards().category("math", 39).category("geo", 40);
        ScoredModel stale = other.model("base-v0", Map.of("math", Cards.firstPassing(39, 30), "geo", Cards.firstPassing(40, 30)));
        assertThatThrownBy(() -> assertThatModel(base).retains(stale).on(cards.suite()).overall().within(0.1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was scored on a different version of the suite")
                .hasMessageContaining("record the baseline again");
    }
}
