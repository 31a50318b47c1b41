package dev.retention.assertions;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.retention.assertions.RetentionAssertions.assertThatCheckpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CheckpointForgettingTest {

    // Accuracy matrix R[t][c] over 10 items per category, t = 0 the baseline:
    //            geo   math
    //   base     1.0   0.8
    //   step-1   0.9   0.9   (math peaks after the baseline)
    //   step-2   0.6   0.7
    //   step-3   0.3   0.7
    private final Cards cards = new Cards().category("geo", 10).category("math", 10);
    private final ScoredModel base = model("base", 10, 8);
    private final List<ScoredModel> steps = List.of(model("step-1", 9, 9), model("step-2", 6, 7), model("step-3", 3, 7));

    private ScoredModel model(String name, int geo, int math) {
        return cards.model(name, Map.of("geo", Cards.firstPassing(10, geo), "math", Cards.firstPassing(10, math)));
    }

    @Test
    void backwardTransferIsFinalMinusBaselineAndForgettingIsDropFromTheBestEarlierPoint() {
        ForgettingCurve curve = ForgettingCurve.of(base, steps, cards.suite());
        assertThat(curve.checkpoints()).isEqualTo(3);
        assertThat(curve.backwardTransfer("geo")).isCloseTo(0.3 - 1.0, within(1e-12));
        assertThat(curve.backwardTransfer("math")).isCloseTo(0.7 - 0.8, within(1e-12));
        assertThat(curve.backwardTransfer()).isCloseTo((-0.7 - 0.1) / 2, within(1e-12));
        assertThat(curve.forgetting("geo")).isCloseTo(1.0 - 0.3, within(1e-12));
        assertThat(curve.forgetting("math")).isCloseTo(0.9 - 0.7, within(1e-12)); // peak at step-1, not the baseline
        assertThat(curve.forgetting()).isCloseTo((0.7 + 0.2) / 2, within(1e-12));
    }

    @Test
    void earlyStopPicksTheLastCheckpointBeforeTheBudgetIsFirstExceeded() {
        ForgettingCurve curve = ForgettingCurve.of(base, steps, cards.suite());
        assertThat(curve.lastWithinBudget(0.15, Set.of("geo", "math"))).hasValue(1);
        assertThat(curve.lastWithinBudget(0.45, Set.of("geo"))).hasValue(2);
        assertThat(curve.lastWithinBudget(0.05, Set.of("geo"))).isEmpty();
        assertThat(curve.lastWithinBudget(1.0, Set.of("geo", "math"))).hasValue(3);
    }

    @Test
    void checkpointVerdictsReachTheReport() {
        try (RetentionReport report = RetentionReport.start()) {
            assertThatCheckpoints(steps).relativeTo(base).onCategory("math").hasForgettingAtMost(0.2);
            assertThatThrownBy(() -> assertThatCheckpoints(steps).relativeTo(base).onCategory("geo")
                    .hasForgettingAtMost(0.2));
            JsonArray diagnostics = JsonParser.parseString(report.json(null)).getAsJsonObject()
                    .getAsJsonArray("diagnostics");
            assertThat(diagnostics).hasSize(2);
            JsonObject geo = diagnostics.get(1).getAsJsonObject();
            assertThat(geo.get("kind").getAsString()).isEqualTo("checkpoints");
            assertThat(geo.get("check").getAsString()).isEqualTo("forgetting of geo over 3 checkpoints (step-1..step-3)");
            assertThat(geo.get("value").getAsDouble()).isCloseTo(0.7, within(1e-12));
            assertThat(geo.get("passed").getAsBoolean()).isFalse();
            assertThat(geo.getAsJsonArray("details").toString()).contains("base 1.000", "step-3 0.300");
            assertThat(report.html(null)).contains("forgetting of geo over 3 checkpoints");
        }
    }

    @Test
    void assertionsFailPerCategoryWithTheMatrix() {
        assertThatCode(() -> assertThatCheckpoints(steps).relativeTo(base).onCategory("math").hasForgettingAtMost(0.2))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> assertThatCheckpoints(steps).relativeTo(base).onEveryCategory()
                .hasBackwardTransferAtLeast(-0.2))
                .hasMessageContaining("Expected backward transfer over 3 checkpoints of base to be ≥ -0.200 in every "
                        + "category, but not in: geo (-0.700)")
                .hasMessageContaining("step-3")
                .hasMessageContaining("forgetting");
        assertThatThrownBy(() -> assertThatCheckpoints(steps).relativeTo(base).onCategory("history")
                .hasForgettingAtMost(0.2)).hasMessageContaining("no category 'history' in suite synthetic; known categories: geo, math");
        assertThatThrownBy(() -> assertThatCheckpoints(steps).relativeTo(base).onCategories())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name at least one category, or use onEveryCategory()");
    }

    @Test
    void aSuiteWithoutScoredItemsHasNoForgettingCurve() {
        Suite texts = Suite.builder("texts").perplexity("t1", "wiki", "The capital of France is Paris.").build();
        assertThatThrownBy(() -> ForgettingCurve.of(base, steps, texts)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("suite texts has no scored item, so there is no category to draw a forgetting curve for");
    }
}
