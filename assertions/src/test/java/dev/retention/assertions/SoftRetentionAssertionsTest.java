package dev.retention.assertions;

import org.assertj.core.api.junit.jupiter.InjectSoftAssertions;
import org.assertj.core.api.junit.jupiter.SoftAssertionsExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

@ExtendWith(SoftAssertionsExtension.class)
class SoftRetentionAssertionsTest {

    private final Cards cards = new Cards().category("math", 40).category("geo", 40);
    private final ScoredModel base = cards.model("base", Map.of(
            "math", Cards.firstPassing(40, 36), "geo", Cards.firstPassing(40, 38)));
    private final ScoredModel tuned = cards.model("tuned", Map.of(
            "math", Cards.firstPassing(40, 10), "geo", Cards.firstPassing(40, 20)));

    @InjectSoftAssertions
    RetentionSoftAssertions injected;

    @Test
    void failuresAfterSubjectChangingStepsAreCollectedNotThrown() {
        RetentionSoftAssertions softly = new RetentionSoftAssertions();
        softly.assertThatModel(tuned).retains(base).onCategory("math").within(0.05);
        softly.assertThatModel(tuned).retains(base).onCategory("geo").within(0.05);
        softly.assertThatModel(tuned).retains(base).onCategory("no-such-category").within(0.05);
        softly.assertThatModel(tuned).improvesOn(base).onCategory("math").byAtLeast(0.1);
        assertThat(softly.errorsCollected()).hasSize(4);
        assertThat(softly.errorsCollected().get(0)).hasMessageContaining("1 of 1 category fell below the threshold: math");
        assertThat(softly.errorsCollected().get(1)).hasMessageContaining("threshold: geo");
        assertThat(softly.errorsCollected().get(2)).hasMessageContaining("known categories: geo, math");
        assertThatCode(softly::assertAll).isInstanceOf(AssertionError.class);
    }

    @Test
    void passingChainsCollectNothing() {
        RetentionSoftAssertions softly = new RetentionSoftAssertions();
        softly.assertThatModel(base).allowingSameModel().retains(base).failingOnlyOnEvidenceOfForgetting(0.95).onEveryCategory().within(0);
        softly.assertThatModel(base).allowingSameModel().retains(base).overall().withinRelative(0.01);
        assertThat(softly.errorsCollected()).isEmpty();
    }

    @Test
    void worksAsAnInjectedProviderOfSoftAssertionsExtension() {
        injected.assertThatModel(base).allowingSameModel().retains(base).onEveryCategory().within(0.0);
        assertThat(injected.errorsCollected()).isEmpty();
    }

    @Test
    void softAssertionsExtensionFailsTheTestWithEveryCollectedVerdict() {
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(TwoForgottenCategories.class)).execute()
                .testEvents().assertStatistics(s -> s.started(1).failed(1))
                .failed().assertThatEvents().singleElement().satisfies(e -> assertThat(
                        e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
                        .hasMessageContaining("Multiple Failures (2 failures)")
                        .hasMessageContaining("threshold: math")
                        .hasMessageContaining("threshold: geo"));
    }

    /** Run only through EngineTestKit above (a static nested class, not picked up on its own by Surefire's filters). */
    @ExtendWith(SoftAssertionsExtension.class)
    static class TwoForgottenCategories {
        @InjectSoftAssertions
        RetentionSoftAssertions softly;

        @Test
        void forgetsTwoCategories() {
            SoftRetentionAssertionsTest t = new SoftRetentionAssertionsTest();
            softly.assertThatModel(t.tuned).retains(t.base).onCategory("math").within(0.05);
            softly.assertThatModel(t.tuned).retains(t.base).onCategory("geo").within(0.05);
        }
    }
}
