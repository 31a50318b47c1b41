package dev.retention.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.model.DecoderSpec.LayerType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

/** config.json decides the blocks; what it cannot decide safely is refused naming the key. */
class FamiliesTest {

    private static final Path FILE = Path.of("/models/x/config.json");

    private static DecoderSpec resolve(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        return Families.resolve(HfConfig.of(FILE, o));
    }

    private static String llama(String extra) {
        return "{\"model_type\": \"llama\", \"vocab_size\": 640, \"hidden_size\": 64, \"intermediate_size\": 128, "
                + "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
                + "\"max_position_embeddings\": 256" + extra + "}";
    }

    @Test
    void bothRopeConfigStylesGiveTheSameFrequencies() {
        DecoderSpec v4 = resolve(llama(", \"rope_theta\": 100000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}"));
        DecoderSpec v5 = resolve(llama(", \"rope_parameters\": {\"rope_type\": \"linear\", \"rope_theta\": 100000.0, "
                + "\"factor\": 2.0}"));
        Rope a = v4.positions().rope().get(LayerType.FULL);
        Rope b = v5.positions().rope().get(LayerType.FULL);
        assertThat(a.type()).isEqualTo(Rope.Type.LINEAR);
        assertThat(a.theta()).isEqualTo(100000.0);
        assertThat(a.invFreq(10)).containsExactly(b.invFreq(10));
        // float32 arithmetic, as torch computes it: within a few ulps of the exact value
        assertThat((double) a.invFreq(10)[1]).isCloseTo(Math.pow(100000.0, -2.0 / 16) / 2, withinPercentage(1e-4));
    }

    @Test
    void aConfigWithoutARopeBaseIsRefusedInsteadOfAssumingOne() {
        assertThatThrownBy(() -> resolve(llama("")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'rope_theta' is missing")
                .hasMessageContaining("does not assume a RoPE base");
        assertThatThrownBy(() -> resolve(llama(", \"rope_parameters\": {\"rope_type\": \"default\"}")))
                .hasMessageContaining("rope_theta' is missing");
    }

    @Test
    void llama3ScalingDividesOnlyLowFrequencies() {
        DecoderSpec s = resolve(llama(", \"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\": 10000.0, "
                + "\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                + "\"original_max_position_embeddings\": 32}"));
        float[] scaled = s.positions().rope().get(LayerType.FULL).invFreq(1);
        float[] plain = Rope.plain(10000.0, 16).invFreq(1);
        assertThat(scaled[0]).as("the highest frequency is kept").isEqualTo(plain[0]);
        assertThat((double) scaled[7]).as("the lowest frequency is divided by the factor")
                .isCloseTo(plain[7] / 8.0, withinPercentage(1e-4));
    }

    @Test
    void unknownAndUnsupportedFamiliesAreRefusedByName() {
        assertThatThrownBy(() -> resolve("{\"model_type\": \"bloom\"}"))
                .hasMessageContaining("'model_type' is 'bloom', which Retention does not run natively; supported: [");
        assertThatThrownBy(() -> resolve("{\"model_type\": \"mixtral\"}"))
                .hasMessageContaining("a mixture-of-experts model");
        assertThatThrownBy(() -> resolve("{\"model_type\": \"qwen3_next\"}"))
                .hasMessageContaining("linear-attention");
        assertThatThrownBy(() -> resolve(llama(", \"rope_theta\": 1e4, \"quantization_config\": {\"quant_method\": "
                + "\"gptq\"}"))).hasMessageContaining("quantized checkpoint (gptq)");
        assertThatThrownBy(() -> resolve(llama(", \"rope_theta\": 1e4, \"layer_types\": [\"full_attention\", "
                + "\"linear_attention\"]"))).hasMessageContaining("'layer_types' holds 'linear_attention'");
    }

    @Test
    void aMissingSizeIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> resolve("{\"model_type\": \"llama\", \"vocab_size\": 640}"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(FILE + ": 'hidden_size' is missing; it must be a positive integer (Retention reads the "
                        + "architecture from config.json and never guesses it)");
    }

    @Test
    void gemma2SlidesEveryOtherLayerAndCapsBothScoresAndLogits() {
        DecoderSpec s = resolve("{\"model_type\": \"gemma2\", \"vocab_size\": 640, \"hidden_size\": 64, "
                + "\"intermediate_size\": 128, \"num_hidden_layers\": 4, \"num_attention_heads\": 4, "
                + "\"num_key_value_heads\": 2, \"head_dim\": 16, \"query_pre_attn_scalar\": 24, \"sliding_window\": 8, "
                + "\"rope_theta\": 10000.0}");
        assertThat(s.layerTypes()).containsExactly(LayerType.SLIDING, LayerType.FULL, LayerType.SLIDING, LayerType.FULL);
        assertThat(s.slidingWindow()).hasValue(8);
        assertThat(s.attention().softcap()).hasValue(50.0);
        assertThat(s.finalSoftcap()).hasValue(30.0);
        assertThat(s.attention().scale()).isCloseTo(Math.pow(24, -0.5), within(1e-15));
        assertThat(s.embeddingScale()).isEqualTo((float) Math.sqrt(64));
        assertThat(s.norm().plusOne()).isTrue();
        assertThat(s.layer().postAttentionNorm()).isTrue();
    }

    @Test
    void anExplicitNullSlidingWindowMeansNoneButAnAbsentOneTakesTheClassDefault() {
        String base = "{\"model_type\": \"mistral\", \"vocab_size\": 640, \"hidden_size\": 64, "
                + "\"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, "
                + "\"rope_theta\": 1e4";
        assertThat(resolve(base + ", \"sliding_window\": null}").slidingWindow()).isEmpty();
        assertThat(resolve(base + "}").slidingWindow()).hasValue(4096);
        assertThat(resolve(base + ", \"sliding_window\": 16}").layerTypes()).containsOnly(LayerType.SLIDING);
    }

    @Test
    void gemma3V4ConfigsUseTheLocalBaseOnSlidingLayersAndScaleOnlyGlobalOnes() {
        DecoderSpec s = resolve("{\"model_type\": \"gemma3_text\", \"vocab_size\": 640, \"hidden_size\": 64, "
                + "\"intermediate_size\": 128, \"num_hidden_layers\": 6, \"num_attention_heads\": 4, "
                + "\"num_key_value_heads\": 1, \"head_dim\": 16, \"sliding_window\": 8, \"rope_theta\": 1000000.0, "
                + "\"rope_local_base_freq\": 10000.0, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8.0}}");
        assertThat(s.layerTypes()).containsExactly(LayerType.SLIDING, LayerType.SLIDING, LayerType.SLIDING,
                LayerType.SLIDING, LayerType.SLIDING, LayerType.FULL);
        assertThat(s.positions().rope().get(LayerType.SLIDING).theta()).isEqualTo(10000.0);
        assertThat(s.positions().rope().get(LayerType.SLIDING).type()).isEqualTo(Rope.Type.DEFAULT);
        assertThat(s.positions().rope().get(LayerType.FULL).type()).isEqualTo(Rope.Type.LINEAR);
        assertThat(s.attention().qkNorm()).isEqualTo(DecoderSpec.Attention.QkNorm.PER_HEAD);
    }

    @Test
    void gpt2IsLayerNormConv1dAndLearnedPositions() {
        DecoderSpec s = resolve("{\"model_type\": \"gpt2\", \"vocab_size\": 640, \"n_embd\": 64, \"n_layer\": 2, "
                + "\"n_head\": 4, \"n_positions\": 128}");
        assertThat(s.positions().learned()).isTrue();
        assertThat(s.mlp().intermediate()).isEqualTo(256);
        assertThat(s.mlp().activation()).isEqualTo(DecoderSpec.Activation.GELU_TANH);
        assertThat(s.attention().projections()).isEqualTo(DecoderSpec.Attention.Projections.CONV1D_FUSED);
        assertThat(s.names().module(1, TensorNames.Role.QKV)).isEqualTo("transformer.h.1.attn.c_attn");
        assertThat(s.tiedEmbeddings()).isTrue();
    }

    @Test
    void qwen2HasBiasesOnQkvOnlyAndQwen3NormsEachHead() {
        String sizes = "\"vocab_size\": 640, \"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, "
                + "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"rope_theta\": 1e6";
        DecoderSpec q2 = resolve("{\"model_type\": \"qwen2\", " + sizes + "}");
        assertThat(q2.attention().qkvBias()).isTrue();
        assertThat(q2.attention().outputBias()).isFalse();
        DecoderSpec q3 = resolve("{\"model_type\": \"qwen3\", " + sizes + "}");
        assertThat(q3.headDim()).as("qwen3's class default head_dim").isEqualTo(128);
        assertThat(q3.attention().qkNorm()).isEqualTo(DecoderSpec.Attention.QkNorm.PER_HEAD);
        assertThat(List.of(q2.layerTypes(), q3.layerTypes())).allSatisfy(t -> assertThat(t).containsOnly(LayerType.FULL));
    }

    @Test
    void graniteCarriesItsMultipliers() {
        DecoderSpec s = resolve("{\"model_type\": \"granite\", \"vocab_size\": 640, \"hidden_size\": 64, "
                + "\"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"rope_theta\": 1e4, "
                + "\"embedding_multiplier\": 12.0, \"attention_multiplier\": 0.015625, \"residual_multiplier\": 0.22, "
                + "\"logits_scaling\": 8.0}");
        assertThat(s.embeddingScale()).isEqualTo(12.0);
        assertThat(s.attention().scale()).isEqualTo(0.015625);
        assertThat(s.layer().residualMultiplier()).isEqualTo(0.22);
        assertThat(s.logitsDivisor()).isEqualTo(8.0);
    }
}
