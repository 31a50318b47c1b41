package dev.retention.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import dev.retention.model.internal.ScoreRow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Broken Hugging Face checkpoints and adapters are refused before anything is scored, each with a
 * message naming the file, tensor or key at fault; the JVM and the engine live on.
 */
class CheckpointRefusalTest {

    @TempDir
    Path tmp;

    private Path copy(Path src) throws IOException {
        Path dst = tmp.resolve(src.getFileName());
        try (Stream<Path> files = Files.list(src)) {
            Files.createDirectories(dst);
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    /** Rewrites a safetensors header in place, padded with spaces to its old length (the header may not grow). */
    private static void editHeader(Path weights, java.util.function.Consumer<JsonObject> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(weights);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(header);
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        if (h.length > n) {
            throw new IllegalStateException("the edited header no longer fits its " + n + " bytes");
        }
        byte[] padded = java.util.Arrays.copyOf(h, (int) n);
        java.util.Arrays.fill(padded, h.length, padded.length, (byte) ' ');
        System.arraycopy(padded, 0, bytes, 8, (int) n);
        Files.write(weights, bytes);
    }

    private static void editConfig(Path dir, java.util.function.Consumer<JsonObject> edit) throws IOException {
        Path c = dir.resolve("config.json");
        JsonObject o = JsonParser.parseString(Files.readString(c)).getAsJsonObject();
        edit.accept(o);
        Files.writeString(c, o.toString());
    }

    /** Overwrites row {@code row} of a float32 {@code [rows, width]} tensor with {@code value}. */
    private static void overwriteRow(Path weights, String tensor, int row, float value) throws IOException {
        byte[] bytes = Files.readAllBytes(weights);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject t = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject()
                .getAsJsonObject(tensor);
        assertThat(t.get("dtype").getAsString()).isEqualTo("F32");
        int width = t.getAsJsonArray("shape").get(1).getAsInt();
        ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int start = (int) (8 + n + t.getAsJsonArray("data_offsets").get(0).getAsLong()) + row * width * 4;
        for (int i = 0; i < width; i++) {
            data.putFloat(start + 4 * i, value);
        }
        Files.write(weights, bytes);
    }

    @Test
    void weightsThatMakeNanLogitsAreRefusedAtScoringNamingTheRowAndTheCount() throws IOException {
        Path d = copy(Fixtures.hf("llama"));
        // the tied output projection's entry for token 5: its logit is NaN at every position (5 is never an input)
        overwriteRow(d.resolve("model.safetensors"), "model.embed_tokens.weight", 5, Float.NaN);
        try (CausalLm lm = CausalLm.load(d, ModelOptions.defaults().withDevice("cpu"))) {
            List<ScoreRow> rows = List.of(
                    new ScoreRow(new int[] {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50}, 9, new int[] {50, 51}),
                    new ScoreRow(new int[] {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 52}, 10, new int[] {53}));
            for (boolean share : new boolean[] {false, true}) {
                assertThatThrownBy(() -> lm.score(rows, share)).as("sharing prefixes: " + share)
                        .isInstanceOfSatisfying(NonFiniteLogitsException.class, e -> {
                            assertThat(e.row()).isZero();
                            assertThat(e.count()).isEqualTo(2);
                        })
                        .hasMessageStartingWith(lm.name() + " produced 2 NaN or infinite logit(s) (of 1280) for row 0");
                // one target row at a time: row 0's two bad logits are counted across both projections
                assertThatThrownBy(() -> Scoring.score(lm, rows, share, 1)).isInstanceOfSatisfying(
                        NonFiniteLogitsException.class, e -> assertThat(e.count()).isEqualTo(2));
            }
        }
    }

    @Test
    void aMissingShardIsNamed() throws IOException {
        Path d = copy(Fixtures.hf("mistral"));
        Path shard;
        try (Stream<Path> s = Files.list(d)) {
            shard = s.filter(p -> p.getFileName().toString().startsWith("model-0000")).sorted().findFirst().orElseThrow();
        }
        Files.delete(shard);
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(shard.getFileName().toString())
                .hasMessageContaining("model.safetensors.index.json");
    }

    @Test
    void anIndexNamingAnAbsentFileIsRefused() throws IOException {
        Path d = copy(Fixtures.hf("mistral"));
        Path index = d.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).replaceFirst("model-00001-of-0000\\d\\.safetensors",
                "model-00009-of-00009.safetensors"));
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model-00009-of-00009.safetensors");
    }

    @Test
    void aHeaderPointingPastTheEndOfTheFileIsRefused() throws IOException {
        Path d = copy(Fixtures.hf("llama"));
        Path weights = d.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100)); // the last tensor now ends past EOF
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.safetensors");
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() throws IOException {
        Path d = copy(Fixtures.hf("llama"));
        // give the norm of layer 1 the byte range of the norm of layer 0 (same size, so only the overlap is wrong)
        String a = "model.layers.0.input_layernorm.weight";
        String b = "model.layers.1.input_layernorm.weight";
        editHeader(d.resolve("model.safetensors"),
                header -> header.getAsJsonObject(b).add("data_offsets", header.getAsJsonObject(a).get("data_offsets")));
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(a).hasMessageContaining(b);
    }

    @Test
    void aTensorOfTheWrongShapeNamesTheTensorAndTheConfig() throws IOException {
        Path d = copy(Fixtures.hf("qwen2"));
        editConfig(d, c -> c.addProperty("intermediate_size", c.get("intermediate_size").getAsInt() * 2));
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tensor 'model.layers.0.mlp.gate_proj.weight' has shape")
                .hasMessageContaining("the config does not belong to these weights");
    }

    @Test
    void quantizedIntegerWeightsAreRefusedByName() throws IOException {
        Path d = copy(Fixtures.hf("llama"));
        // an I8 tensor of four times the elements occupies the same bytes as the F32 one: a GPTQ-style export
        String t = "model.layers.0.self_attn.q_proj.weight";
        editHeader(d.resolve("model.safetensors"), header -> {
            JsonObject e = header.getAsJsonObject(t);
            e.addProperty("dtype", "I8");
            com.google.gson.JsonArray shape = e.getAsJsonArray("shape");
            shape.set(1, new com.google.gson.JsonPrimitive(shape.get(1).getAsLong() * 4));
        });
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(t);
    }

    @Test
    void anUnsupportedModelTypeAndAMissingKeyAreNamed() throws IOException {
        Path d = copy(Fixtures.hf("llama"));
        editConfig(d, c -> c.addProperty("model_type", "falcon"));
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'model_type' is 'falcon', which Retention does not run natively");
        editConfig(d, c -> {
            c.addProperty("model_type", "llama");
            c.remove("num_hidden_layers");
        });
        assertThatThrownBy(() -> CausalLm.load(d)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'num_hidden_layers' is missing");
        try (CausalLm fine = CausalLm.load(Fixtures.hf("llama"))) {
            assertThat(fine.kind()).as("the engine still works").isEqualTo("llama (native)");
        }
    }

    @Test
    void doraAndOtherTunersAreRefusedByName() {
        assertThatThrownBy(() -> CausalLm.load(Fixtures.adapter("llama-dora"),
                ModelOptions.defaults().withBase(Fixtures.hf("llama"))))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'use_dora' is true");
        assertThatThrownBy(() -> CausalLm.load(Fixtures.adapter("llama-ia3"),
                ModelOptions.defaults().withBase(Fixtures.hf("llama"))))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'peft_type' is IA3");
    }

    @Test
    void anAdapterWhoseBaseIsNotLocalMustBeGivenItsBase() {
        assertThatThrownBy(() -> CausalLm.load(Fixtures.adapter("llama-lora")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("base_model_name_or_path is 'retention-fixtures/llama', which names no local folder")
                .hasMessageContaining("ModelOptions.withBase");
    }

    @Test
    void anAdapterOnTheWrongBaseIsRefusedNamingTheModuleAndBothShapes() {
        assertThatThrownBy(() -> CausalLm.load(Fixtures.adapter("llama-lora"),
                ModelOptions.defaults().withBase(Fixtures.hf("qwen3"))))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("does not fit this base model");
    }
}
