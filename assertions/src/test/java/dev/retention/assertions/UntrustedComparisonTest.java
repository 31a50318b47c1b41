package dev.retention.assertions;

import dev.retention.eval.ItemResult;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScoringConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Comparisons whose numbers cannot be trusted are refused with what is wrong and how to fix it. */
class UntrustedComparisonTest {

    private final Cards cards = new Cards().category("math", 20).category("geo", 20);
    private final Map<String, boolean[]> good = Map.of("math", Cards.firstPassing(20, 18), "geo", Cards.firstPassing(20, 19));
    private final ScoredModel base = cards.model("base", good);
    private final ScoredModel tuned = cards.model("tuned", Map.of(
            "math", Cards.firstPassing(20, 17), "geo", Cards.firstPassing(20, 19)));

    @Test
    void aModelComparedWithItselfIsRefusedUnlessTheTestSaysSo() {
        ScoredModel sameAgain = cards.model("base", good);
        assertThatThrownBy(() -> assertThatModel(sameAgain).retains(base).onEveryCategory().within(0.05))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("baseline and tuned are the same model: base and base have the same fingerprint "
                        + "(sha256 fp-base-----…), so every comparison of them passes whatever the model does.")
                .hasMessageContaining("assertThatModel(m).allowingSameModel().retains(m)");
        assertThatThrownBy(() -> assertThatModel(base).improvesOn(base)).hasMessageContaining("the same model");
        assertThatThrownBy(() -> assertThatModel(base).weightsComparedTo(base)).hasMessageContaining("the same model");
        assertThatThrownBy(() -> assertThatModel(base).fisherWeightedDriftFrom(base)).hasMessageContaining("the same model");
        assertThatThrownBy(() -> assertThatModel(base).nextTokenDivergenceFrom(base)).hasMessageContaining("the same model");
        assertThatCode(() -> assertThatModel(base).allowingSameModel().retains(sameAgain).onEveryCategory().within(0))
                .doesNotThrowAnyException();
    }

    @Test
    void scoresFromAnotherScoringConfigurationAreRefusedButTheBatchSizeMayDiffer() {
        Cards other = new Cards().category("math", 20).category("geo", 20)
                .scoring(new ScoringConfig(8, 64, true, "<user>{prompt}", "test", "test"));
        ScoredModel shortWindow = other.model("tuned", good);
        assertThatThrownBy(() -> assertThatModel(shortWindow).retains(base).onEveryCategory().within(0.05))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("base (recorded) and tuned (recorded) were scored "
                        + "with different settings (baseline vs tuned: contextLength 128 vs 64, addBosToken false vs "
                        + "true, promptTemplate \"{prompt}\" vs \"<user>{prompt}\"), so their scores are not comparable. "
                        + "Record the baseline again with this run's settings (-Dretention.baseline.record=true), or run "
                        + "with the recorded ones (retention.contextLength, retention.promptTemplate, "
                        + "retention.addBosToken).");
        ScoredModel otherBatch = new Cards().category("math", 20).category("geo", 20)
                .scoring(new ScoringConfig(32, 128, false, "{prompt}", "test", "test")).model("tuned", good);
        assertThatCode(() -> assertThatModel(otherBatch).retains(base).onEveryCategory().within(0.05))
                .doesNotThrowAnyException();
    }

    @Test
    void scoresThroughAnotherChatTemplateAreRefusedNamingTheSetting() {
        ScoredModel chatTuned = new Cards().category("math", 20).category("geo", 20)
                .scoring(new ScoringConfig(8, 128, false, "{prompt}", "test", "test", Optional.of("ab".repeat(32)),
                        Optional.of("Be terse.")))
                .model("tuned", good);
        assertThatThrownBy(() -> assertThatModel(chatTuned).retains(base).onEveryCategory().within(0.05))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("(baseline vs tuned: chat template none vs sha256:abababababab…, system message "
                        + "none vs \"Be terse.\")")
                .hasMessageEndingWith("(retention.contextLength, retention.promptTemplate, retention.addBosToken, "
                        + "retention.chatTemplate).");
    }

    @Test
    void aRecordedBaselineThatLacksItemsOfTheSuiteIsRefusedNamingThem() {
        Scorecard full = cards.card("base", good);
        Scorecard partial = new Scorecard(full.suiteName(), full.suiteHash(), full.model(), full.scoring(),
                full.createdAt(), full.items().stream().filter(i -> !i.id().matches("math-1[5-9]")).toList());
        ScoredModel recorded = ScoredModel.recorded(partial).withDefaultSuite(cards.suite());
        assertThatThrownBy(() -> assertThatModel(tuned).retains(recorded).onCategory("geo").within(0.05))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the recorded scorecard of base does not match suite 'synthetic' "
                        + "although it names its content hash: it lacks 5 of the suite's 40 items (math-15, math-16, "
                        + "math-17, math-18, math-19); a recorded baseline must hold exactly the suite's items: record it "
                        + "again (-Dretention.baseline.record=true)");
    }

    @Test
    void aCategoryTheSuiteDoesNotHaveIsAnErrorEvenWhenTheRecordedFileHasIt() {
        Cards wider = new Cards().category("math", 20).category("geo", 20).category("history", 6);
        Map<String, boolean[]> all = Map.of("math", Cards.firstPassing(20, 18), "geo", Cards.firstPassing(20, 19),
                "history", Cards.firstPassing(6, 6));
        Scorecard w = wider.card("base", all);
        // Claims to be a scorecard of the two-category suite being asserted.
        ScoredModel recorded = ScoredModel.recorded(new Scorecard(cards.suite().name(), cards.suite().contentHash(),
                w.model(), w.scoring(), w.createdAt(), w.items())).withDefaultSuite(cards.suite());
        assertThatThrownBy(() -> assertThatModel(tuned).retains(recorded).onCategory("history").within(0.05))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("it holds 6 items the suite does not have (history-0, history-1, history-2, "
                        + "history-3, history-4, …)");
        assertThatThrownBy(() -> assertThatModel(tuned).retains(recorded).onEveryCategory().within(0.05))
                .hasMessageContaining("holds 6 items the suite does not have");
        assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategory("history").within(0.05))
                .hasMessageContaining("no category 'history' in suite synthetic; known categories: geo, math");
    }

    @Test
    void leftTruncatedPromptsAreNamedInTheFailureMessage() {
        Cards c = new Cards().category("math", 20).truncated("math-3", 12).truncated("math-4", 3);
        ScoredModel b = c.model("base", Map.of("math", Cards.firstPassing(20, 20)));
        ScoredModel t = c.model("tuned", Map.of("math", Cards.firstPassing(20, 2)));
        assertThatThrownBy(() -> assertThatModel(t).retains(b).onCategory("math").within(0.05))
                .hasMessageContaining("2 of the compared items had their prompt left-truncated to the context window, "
                        + "so the model saw only its end: math-3, math-4")
                .hasMessageContaining("- math-3 (math)\n      prompt:   \"context math 3\" (left-truncated: the first 12 "
                        + "tokens did not fit the context window)");
    }

    @Test
    void itemResultsWithoutTruncationSayNothingAboutIt() {
        ScoredModel t = cards.model("t2", Map.of("math", Cards.firstPassing(20, 0), "geo", Cards.firstPassing(20, 0)));
        assertThatThrownBy(() -> assertThatModel(t).retains(base).onCategory("math").within(0.05))
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("truncated"));
        org.assertj.core.api.Assertions.assertThat(new ItemResult("a", "c", "k", java.util.Optional.empty(),
                ItemResult.Outcome.PASS, 0, 0, 0, 0, "", "", "").truncated()).isFalse();
    }
}
