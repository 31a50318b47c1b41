package dev.retention.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.retention.model.SafetensorsWriter.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model directories: a single file, an index with shards, adapters, and every refusal with its message. */
class CheckpointDirectoryTest {

    @TempDir
    Path dir;

    private Path index() {
        return dir.resolve("model.safetensors.index.json");
    }

    private void writeIndex(Map<String, String> weightMap) throws IOException {
        Files.writeString(index(), "{\"metadata\":{\"total_size\":0},\"weight_map\":{" + weightMap.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(",")) + "}}");
    }

    /** Two shards: embed + layer 0 in the first, layer 1 + head in the second. */
    private void writeShards() throws IOException {
        new SafetensorsWriter().f32("model.embed_tokens.weight", shape(2, 2), 1, 2, 3, 4)
                .bf16("model.layers.0.weight", shape(2), (short) 0x3f80, (short) 0xc000)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().f16("model.layers.1.weight", shape(1), (short) 0x3c00)
                .f32("lm_head.weight", shape(3), 5, 6, 7)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    private static Map<String, String> shardMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lm_head.weight", "model-00002-of-00002.safetensors");
        m.put("model.embed_tokens.weight", "model-00001-of-00002.safetensors");
        m.put("model.layers.0.weight", "model-00001-of-00002.safetensors");
        m.put("model.layers.1.weight", "model-00002-of-00002.safetensors");
        return m;
    }

    @Test
    void aSingleFileDirectoryListsItsTensors() {
        new SafetensorsWriter().f32("b", shape(2), 1, 2).f64("a", shape(1), 3).write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.names()).containsExactly("a", "b");
            assertThat(c.files()).containsExactly(dir.resolve("model.safetensors"));
            assertThat(c.totalBytes()).isEqualTo(16);
            assertThat(c.readFloats("a")).containsExactly(3f);
            assertThat(c.find("c")).isEmpty();
        }
    }

    @Test
    void aShardedDirectoryMapsEveryTensorToItsShard() throws IOException {
        writeShards();
        writeIndex(shardMap());
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.names()).containsExactly("lm_head.weight", "model.embed_tokens.weight",
                    "model.layers.0.weight", "model.layers.1.weight");
            assertThat(c.info("model.layers.1.weight").file()).isEqualTo(dir.resolve("model-00002-of-00002.safetensors"));
            assertThat(c.info("model.layers.0.weight").file()).isEqualTo(dir.resolve("model-00001-of-00002.safetensors"));
            assertThat(c.readFloats("lm_head.weight")).containsExactly(5f, 6f, 7f);
            assertThat(c.readFloats("model.layers.0.weight")).containsExactly(1f, -2f);
            assertThat(c.readFloats("model.layers.1.weight")).containsExactly(1f);
            assertThat(c.totalBytes()).isEqualTo(16 + 4 + 2 + 12);
        }
    }

    @Test
    void theSingleFileWinsOverAnIndexAsInTransformers() throws IOException {
        writeShards();
        writeIndex(shardMap());
        new SafetensorsWriter().f32("only", shape(1), 9).write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.names()).containsExactly("only");
        }
    }

    @Test
    void adapterWeightsAreOpenedByBaseName() {
        new SafetensorsWriter().f32("base_model.model.layers.0.q_proj.lora_A.weight", shape(1, 2), 0.5f, -0.5f)
                .write(dir.resolve("adapter_model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir, "adapter_model")) {
            assertThat(c.readFloats("base_model.model.layers.0.q_proj.lora_A.weight")).containsExactly(0.5f, -0.5f);
        }
    }

    @Test
    void aMissingTensorIsNamedWithTheFilesSearchedAndSimilarNames() throws IOException {
        writeShards();
        writeIndex(shardMap());
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThatThrownBy(() -> c.info("embed_tokens.weight")).isInstanceOf(ModelLoadException.class)
                    .hasMessage(dir + ": no tensor 'embed_tokens.weight' in model.safetensors.index.json (2 shards) "
                            + "[model-00001-of-00002.safetensors, model-00002-of-00002.safetensors] (4 tensors); "
                            + "similar names: [model.embed_tokens.weight]");
            assertThatThrownBy(() -> c.readFloats("nothing")).isInstanceOf(ModelLoadException.class)
                    .hasMessageEndingWith("(4 tensors)");
        }
    }

    @Test
    void aMissingShardIsNamedWithTheIndex() throws IOException {
        writeShards();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        writeIndex(shardMap());
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(index() + ": shard model-00002-of-00002.safetensors (named for 2 tensors, e.g. "
                        + "'lm_head.weight') is missing from " + dir + "; copy every shard the index names");
    }

    @Test
    void anIndexEntryWhoseShardLacksTheTensorIsRefused() throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.put("model.layers.1.weight", "model-00001-of-00002.safetensors");
        writeIndex(m);
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(index() + ": weight_map puts tensor 'model.layers.1.weight' in "
                        + "model-00001-of-00002.safetensors, but that shard does not hold it; the index does not "
                        + "belong to these shards");
    }

    @Test
    void aTensorStoredInTwoShardsIsRefused() throws IOException {
        writeShards();
        new SafetensorsWriter().f16("model.layers.1.weight", shape(1), (short) 0x3c00)
                .f32("lm_head.weight", shape(3), 5, 6, 7)
                .f32("model.embed_tokens.weight", shape(2, 2), 1, 2, 3, 4)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        writeIndex(shardMap());
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(index() + ": tensor 'model.embed_tokens.weight' is stored in "
                        + "model-00002-of-00002.safetensors and in model-00001-of-00002.safetensors, where weight_map "
                        + "puts it; it is listed in two places");
    }

    @Test
    void aTensorListedTwiceInTheWeightMapIsRefused() throws IOException {
        writeShards();
        Files.writeString(index(), "{\"weight_map\":{\"lm_head.weight\":\"model-00002-of-00002.safetensors\","
                + "\"lm_head.weight\":\"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(index() + ": weight_map lists tensor 'lm_head.weight' twice "
                        + "(model-00002-of-00002.safetensors and model-00001-of-00002.safetensors); it is listed in two "
                        + "places");
    }

    @Test
    void aShardTensorMissingFromTheWeightMapIsRefused() throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.remove("model.layers.0.weight");
        writeIndex(m);
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(index() + ": shard model-00001-of-00002.safetensors holds tensor 'model.layers.0.weight', "
                        + "which weight_map does not list; the index is stale or belongs to other shards");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../model-00001-of-00002.safetensors", "/etc/model.safetensors",
        "sub/../../x.safetensors", "C:/x.safetensors", "..\\\\x.safetensors", ""})
    void shardNamesThatEscapeTheDirectoryAreRefused(String shard) throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.put("lm_head.weight", shard);
        writeIndex(m);
        String json = shard.replace("\\\\", "\\");
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(index() + ": weight_map puts tensor 'lm_head.weight' in shard file '" + json
                        + "', which ")
                .hasMessageEndingWith("; shard files must lie in the model directory, named relative to it");
    }

    @Test
    void aShardInASubdirectoryIsAllowedAndOneShardMayBeSpelledTwoWays() throws IOException {
        new SafetensorsWriter().f32("w", shape(1), 2).f32("v", shape(1), 3).write(dir.resolve("shards/part-1.safetensors"));
        writeIndex(Map.of("w", "shards/part-1.safetensors", "v", "./shards/part-1.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.readFloats("w")).containsExactly(2f);
            assertThat(c.readFloats("v")).containsExactly(3f);
            assertThat(c.files()).containsExactly(dir.resolve("shards/part-1.safetensors"));
        }
    }

    @Test
    void malformedIndexesAreRefused() throws IOException {
        writeShards();
        Files.writeString(index(), "{\"metadata\":{}}");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .hasMessage(index() + ": has no weight_map (the map from tensor name to shard file)");
        Files.writeString(index(), "{\"weight_map\":{}}");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .hasMessage(index() + ": has an empty weight_map; it names no tensors");
        Files.writeString(index(), "{\"weight_map\":{\"w\":3}}");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .hasMessage(index() + ": weight_map entry for tensor 'w' is not a shard file name (a string)");
        Files.writeString(index(), "[]");
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).hasMessage(index()
                + ": not a JSON object; expected {\"metadata\": ..., \"weight_map\": {tensor: shard file}}");
        Files.writeString(index(), "{\"weight_map\":");
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(index() + ": not valid JSON: ");
    }

    @Test
    void aCorruptShardIsRefusedNamingTheShard() throws IOException {
        writeShards();
        writeIndex(shardMap());
        Path second = dir.resolve("model-00002-of-00002.safetensors");
        byte[] bytes = Files.readAllBytes(second);
        Files.write(second, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(second + ": tensor 'lm_head.weight' has data_offsets [2, 14] but the data "
                        + "section holds only 13 bytes");
    }

    @Test
    void aDirectoryWithoutSafetensorsExplainsWhyPicklesAreRefused() throws IOException {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": no model.safetensors and no model.safetensors.index.json; found "
                        + "[pytorch_model.bin], but pickle checkpoints (pytorch_model*.bin, *.pt) are refused because "
                        + "unpickling can execute arbitrary code; Retention never loads pickles. Save the model with "
                        + "save_pretrained (transformers 5 always writes safetensors; 4.x needs safe_serialization=True)");
        Files.delete(dir.resolve("pytorch_model.bin"));
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": no model.safetensors and no model.safetensors.index.json; pickle checkpoints "
                        + "(pytorch_model*.bin, *.pt) are refused because unpickling can execute arbitrary code; "
                        + "Retention never loads pickles. Save the model with save_pretrained (transformers 5 always "
                        + "writes safetensors; 4.x needs safe_serialization=True)");
    }

    @Test
    void severalSafetensorsWithoutAnIndexAreListed() throws IOException {
        writeShards();
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": no model.safetensors and no model.safetensors.index.json; found 2 safetensors "
                        + "files [model-00001-of-00002.safetensors, model-00002-of-00002.safetensors]. Shards need their "
                        + "model.safetensors.index.json (it maps each tensor to its shard): copy it along with the "
                        + "shards");
        Files.delete(dir.resolve("model-00001-of-00002.safetensors"));
        assertThatThrownBy(() -> CheckpointTensors.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": no model.safetensors and no model.safetensors.index.json; found only "
                        + "model-00002-of-00002.safetensors: rename it to model.safetensors if it holds these weights");
    }

    @Test
    void aMissingOrNonDirectoryPathIsNamed() throws IOException {
        assertThatThrownBy(() -> CheckpointTensors.open(dir.resolve("nowhere")))
                .hasMessage(dir.resolve("nowhere") + ": model directory does not exist");
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertThatThrownBy(() -> CheckpointTensors.open(file))
                .hasMessage(file + ": not a directory; pass the model directory holding model.safetensors");
    }
}
