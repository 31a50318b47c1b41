package dev.retention.examples;

import dev.retention.assertions.ScoredModel;
import dev.retention.junit.Baseline;
import dev.retention.junit.CategorySource;
import dev.retention.junit.RetentionTest;
import dev.retention.junit.Tuned;
import org.junit.jupiter.params.ParameterizedTest;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;

/**
 * The LoRA fine-tune as it ships: the PEFT adapter folder itself (adapter_config.json +
 * adapter_model.safetensors), run on the baseline model, which is its base. Nothing is merged or
 * exported; the base is loaded once and shared.
 */
@RetentionTest(baseline = FixturePaths.BASE, tuned = "../src-test-fixtures/lora-adapters/lora",
        suite = FixturePaths.GENERAL)
class LoraAdapterRetainsGeneralAbilitiesTest {

    @Baseline
    ScoredModel base;
    @Tuned
    ScoredModel adapter;

    @ParameterizedTest(name = "{0}")
    @CategorySource
    void retainsEveryGeneralCategory(String category) {
        assertThatModel(adapter).retains(base).onCategory(category).within(0.05);
    }
}
