package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.ItemResult;
import dev.retention.eval.ModelRef;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.fixtures.Fixtures;
import dev.retention.suite.Suite;
import org.assertj.core.api.junit.jupiter.InjectSoftAssertions;
import org.assertj.core.api.junit.jupiter.SoftAssertionsExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that would pass while asserting nothing, or while injecting nothing, fail instead: an
 * unfinished assertion chain, an empty configuration override, model annotations without
 * {@code @RetentionTest}.
 */
class NoSilentPassTest {

    @TempDir
    Path work;

    private static Throwable failure(Event e) {
        return e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    /** Two recorded models of a small synthetic suite: the tests below need no model loaded. */
    static final Suite SUITE = Suite.builder("tiny").loglikelihood("a-1", "math", "1 + 1 =", "2")
            .loglikelihood("a-2", "math", "2 + 2 =", "4").loglikelihood("g-1", "geo", "Paris is in", "France").build();
    static final ScoredModel BASE = recorded("base", true);
    static final ScoredModel TUNED = recorded("tuned", false);

    private static ScoredModel recorded(String name, boolean passes) {
        List<ItemResult> items = new ArrayList<>();
        for (var item : SUITE.items()) {
            items.add(new ItemResult(item.id(), item.category(), item.kind(), Optional.empty(),
                    passes || item.category().equals("geo") ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL, -1, 1,
                    0, 0, "p", "e", "o"));
        }
        return ScoredModel.recorded(new Scorecard(SUITE.name(), SUITE.contentHash(), new ModelRef(name,
                name.repeat(20), "/" + name, "cpu"), new ScoringConfig(1, 128, false, "{prompt}", "t", "t"),
                Instant.EPOCH, items)).withDefaultSuite(SUITE);
    }

    private Map<String, String> config() {
        return TestRuns.privateConfig(work);
    }

    @Test
    void aChainWithoutAVerdictFailsTheTestNamingWhereItStarted() {
        TestRuns.Run run = TestRuns.run(config(), Chains.class);
        run.results().testEvents().assertStatistics(s -> s.started(4).succeeded(1).failed(3));
        Map<String, Throwable> failed = new HashMap<>();
        run.results().testEvents().failed().stream()
                .forEach(e -> failed.put(e.getTestDescriptor().getDisplayName(), failure(e)));
        assertThat(failed.get("unfinished()")).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Unfinished Retention assertion: the chain started at NoSilentPassTest.java:"
                        + Chains.unfinishedLine + " (dev.retention.junit.NoSilentPassTest$Chains.unfinished) never "
                        + "reached a verdict, so it asserted nothing; it stops at RetentionCategoriesAssert: finish it "
                        + "with within(δ) or withinRelative(r).");
        assertThat(failed.get("unfinishedSoftly()")).hasMessageContaining("NoSilentPassTest.java:" + Chains.softLine);
        assertThat(failed.get("failsAndLeavesAChainOpen()")).as("a failing test keeps its own failure")
                .hasMessageContaining("fell below the threshold: math").hasNoSuppressedExceptions();
    }

    @Test
    void theRunReportStillGetsEveryVerdictTaggedWithItsTest() throws java.io.IOException {
        TestRuns.run(config(), Chains.class);
        String json = java.nio.file.Files.readString(work.resolve("report/report.json"));
        assertThat(json).contains("\"test\": \"finishedHardAndSoft\"", "\"test\": \"failsAndLeavesAChainOpen\"");
    }

    /** The line after the caller's, where the next statement starts. */
    static int nextLine() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber() + 1;
    }

    @RetentionTest
    static class Chains {
        static volatile int unfinishedLine;
        static volatile int softLine;

        @Test
        @SuppressWarnings("ResultOfMethodCallIgnored")
        void unfinished() {
            unfinishedLine = nextLine();
            assertThatModel(TUNED).retains(BASE).onCategory("geo");
        }

        @Test
        @SuppressWarnings("ResultOfMethodCallIgnored")
        void unfinishedSoftly() {
            softLine = nextLine();
            new dev.retention.assertions.RetentionSoftAssertions().assertThatModel(TUNED).retains(BASE).overall();
        }

        @Test
        void finishedHardAndSoft() {
            assertThatModel(TUNED).as("geo").retains(BASE).onCategory("geo").within(0.05);
            dev.retention.assertions.RetentionSoftAssertions softly = new dev.retention.assertions.RetentionSoftAssertions();
            softly.assertThatModel(TUNED).retains(BASE).onCategory("math").within(0.05);
            assertThat(softly.errorsCollected()).hasSize(1);
        }

        @Test
        @SuppressWarnings("ResultOfMethodCallIgnored")
        void failsAndLeavesAChainOpen() {
            assertThatModel(TUNED).retains(BASE).onCategory("geo");
            assertThatModel(TUNED).retains(BASE).onCategory("math").within(0.05);
        }
    }

    @Test
    void injectedSoftAssertionsWithAFinishedChainStillReportTheirFailures() {
        TestRuns.Run run = TestRuns.run(config(), InjectedSoftly.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(failure(run.results().testEvents().failed().list().get(0)))
                .hasMessageContaining("fell below the threshold: math").hasMessageNotContaining("Unfinished");
    }

    @RetentionTest
    @ExtendWith(SoftAssertionsExtension.class)
    static class InjectedSoftly {
        @InjectSoftAssertions
        dev.retention.assertions.RetentionSoftAssertions softly;

        @Test
        void forgetsMath() {
            softly.assertThatModel(TUNED).retains(BASE).onCategory("math").within(0.05);
        }
    }

    @Test
    void anEmptyOverrideIsAnErrorNamingTheKey() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.put("retention.tuned", "");
        TestRuns.Run run = TestRuns.run(cfg, ExtensionBehaviourTest.NeedsTunedTwice.class);
        assertThat(failure(run.results().containerEvents().failed().list().get(0)))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("configuration parameter retention.tuned is set but empty (e.g. -Dretention.tuned= on the "
                        + "command line); give it a value or remove it: Retention does not guess what an empty value "
                        + "means (an empty path would be the working directory)");
        cfg.put("retention.tuned", Fixtures.model("lora").toString());
        cfg.put("retention.suite", " ");
        assertThat(failure(TestRuns.run(cfg, ExtensionBehaviourTest.NeedsTunedTwice.class).results().containerEvents()
                .failed().list().get(0))).hasMessageStartingWith("configuration parameter retention.suite is set but empty");
    }

    @Test
    void modelFieldsWithoutRetentionTestSayWhatToAdd() {
        TestRuns.Run run = TestRuns.run(config(), NoRetentionTest.class);
        List<Event> failed = new ArrayList<>(run.results().containerEvents().failed().list());
        failed.addAll(run.results().testEvents().failed().list());
        assertThat(failed).isNotEmpty().allSatisfy(e -> assertThat(failure(e))
                .hasMessageContaining(NoRetentionTest.class.getName() + " injects Retention models (field base "
                        + "(@Baseline), field tuned (@Tuned)) but has no @RetentionTest (on it or an enclosing class), "
                        + "which declares the models and suites: add it, e.g. @RetentionTest(baseline = \"models/base\", "
                        + "tuned = \"models/tuned\", suite = \"src/test/resources/general.jsonl\")"));
        run.results().testEvents().assertStatistics(s -> s.succeeded(0));
    }

    @Test
    void aModelParameterWithoutRetentionTestSaysWhatToAdd() {
        TestRuns.Run run = TestRuns.run(config(), ParameterWithoutRetentionTest.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(failure(run.results().testEvents().failed().list().get(0)))
                .hasMessageContaining("injects Retention models (parameter 1 of usesTheBaseline() (@Baseline)) but has "
                        + "no @RetentionTest");
    }

    static class NoRetentionTest {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @Test
        void usesTheModels() {
            assertThat(tuned.name()).isEqualTo(base.name());
        }
    }

    static class ParameterWithoutRetentionTest {
        @Test
        void usesTheBaseline(@Baseline ScoredModel base) {
            assertThat(base.name()).isNotEmpty();
        }
    }
}
