package dev.retention.assertions;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.retention.assertions.RetentionAssertions.assertThatCheckpoints;
import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A chain that never reaches a verdict asserts nothing; a {@link ChainTracker} names where it started. */
class UnfinishedChainTest {

    private final Cards cards = new Cards().category("math", 20).category("geo", 20);
    private final ScoredModel base = cards.model("base", Map.of(
            "math", Cards.firstPassing(20, 18), "geo", Cards.firstPassing(20, 18)));
    private final ScoredModel tuned = cards.model("tuned", Map.of(
            "math", Cards.firstPassing(20, 5), "geo", Cards.firstPassing(20, 18)));

    private static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber() + 1;
    }

    @Test
    @SuppressWarnings("ResultOfMethodCallIgnored")
    void aChainWithoutAVerdictIsNamedByTheFileAndLineWhereItStarted() {
        try (ChainTracker chains = ChainTracker.start()) {
            int line = nextLine();
            assertThatModel(tuned).retains(base).onCategory("math");
            assertThat(chains.unfinished()).isEqualTo(1);
            assertThatThrownBy(chains::verify).isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("Unfinished Retention assertion: the chain started at UnfinishedChainTest.java:"
                            + line + " (dev.retention.assertions.UnfinishedChainTest."
                            + "aChainWithoutAVerdictIsNamedByTheFileAndLineWhereItStarted) never reached a verdict, so it "
                            + "asserted nothing; it stops at RetentionCategoriesAssert: finish it with within(δ) or "
                            + "withinRelative(r).");
            assertThatCode(chains::verify).as("verify forgets what it reported").doesNotThrowAnyException();
        }
    }

    @Test
    void chainsThatReachAVerdictPassOrFailButAreNeverUnfinished() {
        try (ChainTracker chains = ChainTracker.start()) {
            assertThatModel(base).allowingSameModel().retains(base).onEveryCategory().within(0.0);
            assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategory("math").within(0.05))
                    .hasMessageContaining("fell below the threshold: math");
            assertThatThrownBy(() -> assertThatModel(tuned).as("geo check").retains(base).onCategory("nope").within(0.05))
                    .hasMessageStartingWith("[geo check] no category 'nope'");
            assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategory("math").within(2.0))
                    .as("a verdict that refuses its argument still ends the chain")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatCheckpoints(java.util.List.of(tuned)).relativeTo(base).onCategory("geo").hasForgettingAtMost(0.1);
            assertThat(chains.unfinished()).isZero();
            chains.verify();
        }
    }

    @Test
    void aStepThatThrowsLeavesNothingOpen() {
        try (ChainTracker chains = ChainTracker.start()) {
            assertThatThrownBy(() -> assertThatModel(tuned).retains(base).onCategories())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> assertThatModel(tuned).retains(base).perplexityOn(""))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> assertThatCheckpoints(java.util.List.of(tuned)).relativeTo(base).onCategories())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(chains.unfinished()).isZero();
        }
    }

    @Test
    @SuppressWarnings("ResultOfMethodCallIgnored")
    void aBranchLeftWithoutAVerdictIsFoundEvenWhenAnotherBranchFinished() {
        try (ChainTracker chains = ChainTracker.start()) {
            int line = nextLine();
            ModelAssert model = assertThatModel(tuned);
            model.retains(base).onCategory("geo").within(0.05);
            model.improvesOn(base).overall();
            assertThatThrownBy(chains::verify).hasMessageContaining("UnfinishedChainTest.java:" + line)
                    .hasMessageContaining("it stops at ImprovementCategoriesAssert: finish it with byAtLeast(gain)");
        }
    }

    @Test
    @SuppressWarnings("ResultOfMethodCallIgnored")
    void unfinishedSoftChainsAreFoundAndFinishedOnesStillCollectTheirFailures() {
        try (ChainTracker chains = ChainTracker.start()) {
            RetentionSoftAssertions softly = new RetentionSoftAssertions();
            softly.assertThatModel(tuned).retains(base).onCategory("math").within(0.05);
            softly.assertThatModel(tuned).as("described").retains(base).onCategory("geo").within(0.05);
            assertThat(softly.errorsCollected()).hasSize(1);
            assertThat(chains.unfinished()).isZero();
            int line = nextLine();
            softly.assertThatModel(tuned).retains(base).failingOnlyOnEvidenceOfForgetting(0.95);
            assertThatThrownBy(chains::verify).hasMessageContaining("UnfinishedChainTest.java:" + line)
                    .hasMessageContaining("it stops at RetentionAssert");
        }
    }

    @Test
    @SuppressWarnings("ResultOfMethodCallIgnored")
    void severalUnfinishedChainsAreAllListed() {
        try (ChainTracker chains = ChainTracker.start()) {
            assertThatModel(tuned).retains(base);
            assertThatCheckpoints(java.util.List.of(tuned)).relativeTo(base);
            assertThatThrownBy(chains::verify).hasMessageStartingWith("2 unfinished Retention assertions:")
                    .hasMessageContaining("it stops at RetentionAssert").hasMessageContaining("it stops at CheckpointsAssert");
        }
    }

    @Test
    @SuppressWarnings("ResultOfMethodCallIgnored")
    void onlyTheInnermostOpenTrackerOfTheCallingThreadTracks() throws InterruptedException {
        try (ChainTracker outer = ChainTracker.start()) {
            try (ChainTracker inner = ChainTracker.start()) {
                assertThatModel(tuned).retains(base);
                assertThat(inner.unfinished()).isEqualTo(1);
            }
            assertThat(outer.unfinished()).isZero();
            assertThatModel(tuned).retains(base);
            assertThat(outer.unfinished()).as("the outer tracker is current again").isEqualTo(1);
            AtomicInteger seenThere = new AtomicInteger(-1);
            Thread other = new Thread(() -> {
                assertThatModel(tuned).retains(base);
                seenThere.set(outer.unfinished());
            });
            other.start();
            other.join();
            assertThat(seenThere).as("chains of other threads are not tracked").hasValue(1);
        }
        assertThatModel(tuned).retains(base);
    }
}
