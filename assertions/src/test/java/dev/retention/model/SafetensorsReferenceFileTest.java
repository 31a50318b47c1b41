package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A file written by the Hugging Face {@code safetensors} package itself (0.8.0, via
 * {@code src-test-fixtures/generator/make_safetensors_reference.py}): the reader agrees with the real
 * writer's layout (dtype-ordered packing, space padding, metadata), not only with the test writer.
 */
class SafetensorsReferenceFileTest {

    @TempDir
    Path dir;

    private Path copyReference() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("reference.safetensors")) {
            assertThat(in).as("test resource reference.safetensors").isNotNull();
            Files.copy(in, dir.resolve("model.safetensors"));
        }
        return dir.resolve("model.safetensors");
    }

    @Test
    void everyTensorOfTheReferenceFileReadsAsPythonWroteIt() throws IOException {
        Path f = copyReference();
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.metadata()).isEqualTo(Map.of("format", "pt", "note", "Retention reference"));
            assertThat(s.names()).containsExactly("lm_head.weight", "model.empty", "model.layers.0.weight",
                    "model.logit_scale", "model.norm.weight", "model.position_ids", "model.rotary.scale");
            assertThat(s.info("model.position_ids").dtype()).isEqualTo(SafetensorsDtype.I64);
        }
        try (CheckpointTensors c = CheckpointTensors.open(dir);
             NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray w = c.loadFloat32("model.layers.0.weight", m);
            assertThat(w.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(w.toFloatArray()).containsExactly(0.25f, 1.25f, 2.25f, 10.25f, 11.25f, 12.25f);

            NDArray norm = c.loadFloat32("model.norm.weight", m);
            float[] n = norm.toFloatArray();
            assertThat(n).hasSize(10);
            assertThat(java.util.Arrays.copyOf(n, 9)).containsExactly(1f, -2.5f, 65504f, 0x1p-14f, 0x1p-24f,
                    1023 * 0x1p-24f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
            assertThat(Float.floatToRawIntBits(n[6])).as("-0 keeps its sign").isEqualTo(0x80000000);
            assertThat(n[9]).isNaN();
            assertThat(c.load("model.norm.weight", m, true).getDataType()).isEqualTo(DataType.FLOAT16);

            assertThat(c.loadFloat32("lm_head.weight", m).toFloatArray())
                    .containsExactly(1f, -3.140625f, 1.5f * 0x1p127f, 0x1p-133f);
            assertThat(c.loadFloat32("model.rotary.scale", m).toFloatArray())
                    .containsExactly((float) 0.1, -1.5f, Float.POSITIVE_INFINITY);
            NDArray scalar = c.loadFloat32("model.logit_scale", m);
            assertThat(scalar.getShape()).isEqualTo(new Shape());
            assertThat(scalar.getFloat()).isEqualTo(0.5f);
            assertThat(c.loadFloat32("model.empty", m).getShape()).isEqualTo(new Shape(0, 4));
            assertThatThrownBy(() -> c.loadFloat32("model.position_ids", m)).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("tensor 'model.position_ids' has dtype I64");
            assertThat(c.totalBytes()).isEqualTo(112);
        }
    }
}
