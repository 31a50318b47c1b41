package dev.retention.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** PEFT's rules for which modules an adapter targets and with which rank and alpha. */
class PeftConfigTest {

    @TempDir
    Path dir;

    private PeftConfig config(String fields) throws IOException {
        Path f = dir.resolve("adapter_config.json");
        Files.writeString(f, "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16" + fields + "}");
        return PeftConfig.read(f);
    }

    @Test
    void targetNamesMatchTheLastPartsOfAModuleName() throws IOException {
        PeftConfig c = config(", \"target_modules\": [\"q_proj\", \"mlp.down_proj\"]");
        assertThat(c.targets("model.layers.0.self_attn.q_proj")).isTrue();
        assertThat(c.targets("model.layers.3.mlp.down_proj")).isTrue();
        assertThat(c.targets("model.layers.0.self_attn.k_proj")).isFalse();
        assertThat(c.targets("model.layers.0.self_attn.xq_proj")).as("a suffix after a dot, not any suffix").isFalse();
    }

    @Test
    void aTargetStringIsARegexThatMustMatchTheWholeName() throws IOException {
        PeftConfig c = config(", \"target_modules\": \".*\\\\.(q|v)_proj\"");
        assertThat(c.targets("model.layers.0.self_attn.v_proj")).isTrue();
        assertThat(c.targets("model.layers.0.self_attn.v_proj_extra")).isFalse();
    }

    @Test
    void layersToTransformAndExcludeModulesNarrowTheTargets() throws IOException {
        PeftConfig c = config(", \"target_modules\": [\"q_proj\"], \"layers_to_transform\": [1, 2], "
                + "\"exclude_modules\": [\"layers.2.self_attn.q_proj\"]");
        assertThat(c.targets("model.layers.0.self_attn.q_proj")).isFalse();
        assertThat(c.targets("model.layers.1.self_attn.q_proj")).isTrue();
        assertThat(c.targets("model.layers.2.self_attn.q_proj")).isFalse();
    }

    @Test
    void rankAndAlphaPatternsOverrideTheDefaultsPerModule() throws IOException {
        PeftConfig c = config(", \"target_modules\": [\"q_proj\", \"v_proj\"], \"rank_pattern\": {\"v_proj\": 2}, "
                + "\"alpha_pattern\": {\"layers\\\\.1\\\\.self_attn\\\\.q_proj\": 4}");
        assertThat(c.rankOf("model.layers.0.self_attn.v_proj")).isEqualTo(2);
        assertThat(c.scalingOf("model.layers.0.self_attn.v_proj")).isEqualTo(8.0);
        assertThat(c.scalingOf("model.layers.0.self_attn.q_proj")).isEqualTo(2.0);
        assertThat(c.scalingOf("model.layers.1.self_attn.q_proj")).isEqualTo(0.5);
    }

    @Test
    void rsLoraScalesByTheSquareRootOfTheRank() throws IOException {
        PeftConfig c = config(", \"target_modules\": [\"q_proj\"], \"use_rslora\": true");
        assertThat(c.scalingOf("model.layers.0.self_attn.q_proj")).isCloseTo(16 / Math.sqrt(8), within(1e-15));
    }

    @Test
    void otherTunersAndLoraVariantsAreRefusedByName() throws IOException {
        Path f = dir.resolve("adapter_config.json");
        Files.writeString(f, "{\"peft_type\": \"IA3\", \"target_modules\": [\"k_proj\"]}");
        assertThatThrownBy(() -> PeftConfig.read(f)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'peft_type' is IA3; Retention applies LoRA adapters only");
        assertThatThrownBy(() -> config(", \"target_modules\": [\"q_proj\"], \"use_dora\": true"))
                .hasMessageContaining("'use_dora' is true").hasMessageContaining("DoRA");
        assertThatThrownBy(() -> config(", \"target_modules\": [\"q_proj\"], \"layer_replication\": [[0, 2]]"))
                .hasMessageContaining("'layer_replication' is set");
        assertThat(config(", \"target_modules\": [\"q_proj\"], \"use_dora\": false, \"layer_replication\": null, "
                + "\"trainable_token_indices\": null, \"loftq_config\": {}").targets("a.q_proj"))
                .as("options that are off are accepted").isTrue();
    }
}
