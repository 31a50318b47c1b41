package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.ItemResult;
import dev.retention.eval.Scorecard;
import dev.retention.fixtures.Fixtures;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A PEFT adapter is the tuned model of {@code @RetentionTest(baseline = <hf base>, tuned = <adapter>)}: the
 * card's chain runs on it, it scores as the model PEFT merges from it, and the chain still catches an
 * adapter that forgot.
 */
class AdapterAsTunedModelTest {

    static final String FIXTURES = "../src-test-fixtures/";
    static final String BASE = FIXTURES + "models/base";
    static final String LORA_ADAPTER = FIXTURES + "lora-adapters/lora";
    static final String LORA_MERGED = FIXTURES + "models/lora";
    static final String GENERAL = FIXTURES + "suites/general.jsonl";
    static final String DOMAIN = FIXTURES + "suites/domain.jsonl";

    /**
     * Per-token tolerance of float32 scoring (see HuggingFaceParityTest): the adapter's low-rank terms are
     * added in another order than the merged weights' products, which moves log-probabilities at the
     * float-rounding level only.
     */
    static final double PER_TOKEN = 1e-4;

    @TempDir
    Path work;

    private Map<String, String> config() {
        return TestRuns.privateConfig(work);
    }

    private static Throwable failure(Event e) {
        return e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @Test
    void theCardsChainRunsOnAnAdapterThatScoresAsItsMergedModel() {
        TestRuns.Run run = TestRuns.run(config(), LoraAdapterRetainsGeneralAbilities.class,
                AdapterScoresAsMergedModel.class);
        run.results().testEvents().assertStatistics(s -> s.started(7).succeeded(7));
        assertThat(run.lines("retention: attaching adapter lora ")).singleElement().asString()
                .contains(" to base (sha256 ");
        assertThat(run.lines("retention: model cache:")).singleElement().asString()
                .endsWith("; base loaded once, shared by 1 adapter (lora)");
    }

    @Test
    void theChainFailsForAnAdapterThatForgot() {
        Map<String, String> cfg = config();
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora-attn-r4").toString());
        TestRuns.Run run = TestRuns.run(cfg, LoraAdapterRetainsGeneralAbilities.class);
        List<Event> failed = run.results().testEvents().failed().list();
        assertThat(failed).isNotEmpty().allSatisfy(e -> assertThat(failure(e)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("lora-attn-r4"));
        assertThat(failed).extracting(e -> e.getTestDescriptor().getDisplayName()).contains("arithmetic");
    }

    @RetentionTest(baseline = BASE, tuned = LORA_ADAPTER, suite = GENERAL)
    static class LoraAdapterRetainsGeneralAbilities {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel lora;

        @ParameterizedTest(name = "{0}")
        @CategorySource
        void retainsEveryGeneralCategory(String category) {
            assertThatModel(lora).retains(base).onCategory(category).within(0.05);
        }
    }

    @RetentionTest(baseline = BASE, tuned = LORA_ADAPTER, suite = GENERAL, models =
            @RetentionTest.NamedModel(name = "merged", path = LORA_MERGED))
    static class AdapterScoresAsMergedModel {
        @Test
        void everyItemScoresAsInTheMergedModelWithinTheTokenTolerance(@Tuned ScoredModel adapter,
                                                                      @Model("merged") ScoredModel merged, Suite suite) {
            Scorecard a = adapter.scorecard(suite);
            Scorecard m = merged.scorecard(suite);
            double worst = 0;
            for (ItemResult item : a.items()) {
                ItemResult other = m.item(item.id()).orElseThrow();
                assertThat(item.outcome()).as(item.id()).isEqualTo(other.outcome());
                assertThat(item.output()).as(item.id()).isEqualTo(other.output());
                assertThat(item.tokens()).as(item.id()).isEqualTo(other.tokens());
                if (!Double.isNaN(item.logLikelihood())) {
                    assertThat(item.logLikelihood()).as(item.id())
                            .isCloseTo(other.logLikelihood(), within(PER_TOKEN * item.tokens()));
                    worst = Math.max(worst, Math.abs(item.logLikelihood() - other.logLikelihood()) / item.tokens());
                }
            }
            for (String c : a.categories().keySet()) {
                assertThat(a.category(c).accuracy()).as(c).isEqualTo(m.category(c).accuracy());
                System.out.printf("adapter vs merged: %-10s accuracy %.4f vs %.4f%n", c, a.category(c).accuracy(),
                        m.category(c).accuracy());
            }
            System.out.printf("adapter vs merged: %d items, worst |log-likelihood difference| per token %.2e%n",
                    a.items().size(), worst);
        }

        @Test
        void learnsTheSupportDomainAsTheMergedModelDoes(@Baseline ScoredModel base, @Tuned ScoredModel adapter,
                                                        @Model("merged") ScoredModel merged) {
            Suite domain = Suite.load(Path.of(DOMAIN));
            assertThatModel(adapter).improvesOn(base).on(domain).onCategory("support").byAtLeast(0.30);
            assertThat(adapter.scorecard(domain).category("support").accuracy())
                    .isEqualTo(merged.scorecard(domain).category("support").accuracy());
        }
    }
}
