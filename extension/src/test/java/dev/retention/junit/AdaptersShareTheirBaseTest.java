package dev.retention.junit;

import dev.retention.model.CausalLm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A baseline and three PEFT adapters over it hold the base once: the model cache loads the base a
 * single time and attaches each adapter to it, sequentially and in parallel.
 */
class AdaptersShareTheirBaseTest {

    static final String FIXTURES = "../src-test-fixtures/";
    static final String BASE = FIXTURES + "models/base";
    static final String LORA = FIXTURES + "lora-adapters/lora";
    static final String LORA_ATTN = FIXTURES + "lora-adapters/lora-attn-r4";
    static final String LORA_MLP = FIXTURES + "lora-adapters/lora-mlp";

    @TempDir
    Path work;

    private TestRuns.Run run(boolean parallel, Class<?>... classes) {
        java.util.Map<String, String> cfg = TestRuns.privateConfig(work);
        return TestRuns.run(parallel ? TestRuns.parallel(cfg) : cfg, classes);
    }

    @Test
    void aBaselineAndThreeAdaptersLoadTheBaseExactlyOnce() {
        TestRuns.Run run = run(false, BaseAndThreeAdapters.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(run.lines("retention: loading ")).singleElement().asString().startsWith("retention: loading base ");
        assertThat(run.lines("retention: attaching adapter ")).hasSize(3)
                .allSatisfy(l -> assertThat(l).contains(" to base (sha256 ").endsWith(", sharing its weights"));
        assertThat(run.lines("retention: model cache:")).containsExactly("retention: model cache: 1 loads, 3 hits; "
                + "base loaded once, shared by 3 adapters (lora, lora-attn-r4, lora-mlp)");
    }

    @Test
    void classesAttachingAdaptersInParallelStillLoadTheBaseOnce() {
        TestRuns.Run run = run(true, TunedAdapterOnly.class, NamedAdaptersOnly.class, BaseAndThreeAdapters.class);
        run.results().testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(run.lines("retention: loading ")).hasSize(1);
        assertThat(run.lines("retention: attaching adapter ")).hasSize(3);
        assertThat(run.lines("retention: model cache:")).singleElement().asString()
                .startsWith("retention: model cache: 1 loads, ")
                .endsWith("; base loaded once, shared by 3 adapters (lora, lora-attn-r4, lora-mlp)");
    }

    @RetentionTest(baseline = BASE, tuned = LORA, models = {
            @RetentionTest.NamedModel(name = "attn", path = LORA_ATTN),
            @RetentionTest.NamedModel(name = "mlp", path = LORA_MLP)})
    static class BaseAndThreeAdapters {
        @Test
        void everyAdapterRunsOnTheInjectedBaselineItself(@Baseline CausalLm base, @Tuned CausalLm lora,
                                                         @Model("attn") CausalLm attn, @Model("mlp") CausalLm mlp) {
            assertThat(base.isAdapter()).isFalse();
            assertThat(List.of(lora, attn, mlp)).allSatisfy(adapter -> {
                assertThat(adapter.isAdapter()).isTrue();
                assertThat(adapter.baseModel()).isSameAs(base);
            });
        }
    }

    @RetentionTest(baseline = BASE, tuned = LORA)
    static class TunedAdapterOnly {
        @Test
        void theTunedAdapterRunsOnTheBaseline(@Baseline CausalLm base, @Tuned CausalLm lora) {
            assertThat(lora.baseModel()).isSameAs(base);
        }
    }

    @RetentionTest(baseline = BASE, models = {
            @RetentionTest.NamedModel(name = "attn", path = LORA_ATTN),
            @RetentionTest.NamedModel(name = "mlp", path = LORA_MLP)})
    static class NamedAdaptersOnly {
        @Test
        void namedAdaptersShareOneBase(@Model("attn") CausalLm attn, @Model("mlp") CausalLm mlp) {
            assertThat(attn.baseModel()).isSameAs(mlp.baseModel());
        }
    }
}
