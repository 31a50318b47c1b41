package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three test classes sharing the baseline and tuned models load each model once per run, with and
 * without parallel execution, and print the cache line exactly once.
 */
class ModelsLoadOncePerRunTest {

    @TempDir
    Path work;

    @Test
    void threeClassesShareTwoLoadedModels() {
        TestRuns.Run run = TestRuns.run(TestRuns.fixtureConfig(work), Geography.class, Arithmetic.class, Perplexity.class);
        run.results().testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(run.lines("retention: model cache:")).containsExactly("retention: model cache: 2 loads, 2 hits");
        assertThat(run.lines("retention: loading ")).hasSize(2);
    }

    @Test
    void parallelClassesStillLoadEachModelOnce() {
        TestRuns.Run run = TestRuns.run(TestRuns.parallel(TestRuns.fixtureConfig(work)), Geography.class,
                Arithmetic.class, Perplexity.class);
        run.results().testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(run.lines("retention: model cache:")).singleElement().asString()
                .startsWith("retention: model cache: 2 loads, ");
        assertThat(run.lines("retention: loading ")).hasSize(2);
    }

    @Test
    void aSecondRunServesBothScorecardsFromTheCacheWithoutLoadingTheBaseline() {
        TestRuns.run(TestRuns.fixtureConfig(work), Geography.class, Arithmetic.class);
        TestRuns.Run second = TestRuns.run(TestRuns.fixtureConfig(work), Geography.class, Arithmetic.class);
        second.results().testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(second.lines("retention: scorecard cache hit: base on general")).hasSize(1);
        assertThat(second.lines("retention: loading ")).isEmpty();
        assertThat(second.lines("retention: model cache:")).containsExactly("retention: model cache: 0 loads, 0 hits");
    }

    @RetentionTest
    static class Geography {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @Test
        void scoresBothModelsOnTheDefaultSuite(Suite suite) {
            assertThat(suite.name()).isEqualTo("general");
            assertThat(base.scorecard(suite).category("geography").n()).isEqualTo(48);
            assertThat(tuned.scorecard(suite).category("geography").n()).isEqualTo(48);
        }
    }

    @RetentionTest
    static class Arithmetic {
        @Baseline
        static ScoredModel base;

        @Test
        void baselineMastersArithmetic(@Tuned ScoredModel tuned, Suite suite) {
            assertThat(base.scorecard(suite).category("arithmetic").accuracy()).isGreaterThanOrEqualTo(0.95);
            assertThat(tuned.name()).isEqualTo("lora");
        }
    }

    @RetentionTest
    static class Perplexity {
        @Test
        void injectedModelsAreTheSharedLoadedOnes(@Baseline CausalLm base, @Tuned CausalLm tuned) {
            assertThat(base.name()).isEqualTo("base");
            assertThat(tuned.name()).isEqualTo("lora");
            assertThat(base.contextLength()).isEqualTo(128);
        }
    }
}
