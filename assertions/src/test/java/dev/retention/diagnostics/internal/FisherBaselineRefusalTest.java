package dev.retention.diagnostics.internal;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Fisher estimate needs the baseline's own full weights; a baseline without them is refused by name. */
class FisherBaselineRefusalTest {

    @Test
    void anAdapterBaselineIsRefusedNamingItBeforeAnyEstimate() {
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        try (CausalLm base = CausalLm.load(Fixtures.hf("llama"), cpu);
             CausalLm lora = base.withAdapter(Fixtures.adapter("llama-lora"))) {
            Suite suite = Suite.load(Fixtures.generalSuite());
            assertThatThrownBy(() -> FisherDrift.between(List.of(base), Evaluator.of(lora, EvalConfig.defaults()), suite))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the Fisher-weighted drift needs the baseline's full weights, but llama-lora is a PEFT "
                            + "adapter; give its merged model (or its base) as the baseline");
        }
    }
}
