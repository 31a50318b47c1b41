package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.internal.ScoreRow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adapters made with {@code withAdapter} compute with their base's weights, so they end with it. */
class AdapterLifecycleTest {

    private static final List<ScoreRow> ROWS = List.of(new ScoreRow(new int[] {5, 6, 7}, 1, new int[] {7, 8}));

    @Test
    void closingABaseModelClosesItsOpenAdaptersSoTheyRefuseByName() {
        CausalLm base = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"));
        try {
            CausalLm lora = base.withAdapter(Fixtures.adapter("llama-lora"));
            CausalLm closedEarlier = base.withAdapter(Fixtures.adapter("llama-rslora"));
            closedEarlier.close();
            assertThat(lora.score(ROWS)).hasSize(1);

            base.close();

            assertThatThrownBy(() -> lora.score(ROWS)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("llama-lora is closed");
            assertThatThrownBy(() -> base.withAdapter(Fixtures.adapter("llama-lora")))
                    .isInstanceOf(IllegalStateException.class).hasMessage("llama is closed");
            lora.close(); // closing again does nothing
        } finally {
            base.close(); // closes what an assertion above left open; nothing when the test got through
        }
    }

    @Test
    void closingAnAdapterLeavesItsBaseAndTheOtherAdaptersOpen() {
        try (CausalLm base = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"));
             CausalLm kept = base.withAdapter(Fixtures.adapter("llama-rslora"))) {
            base.withAdapter(Fixtures.adapter("llama-lora")).close();
            assertThat(base.score(ROWS)).hasSize(1);
            assertThat(kept.score(ROWS)).hasSize(1);
        }
    }
}
