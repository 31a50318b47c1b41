package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.retention.model.SafetensorsWriter.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Corrupted files end in a {@link ModelLoadException} or a valid parse whose every tensor then
 * reads within bounds; never in another exception type, and never in a crash of the JVM. Headers
 * are parsed from memory (files only for the valid parses, to keep the test fast on slow disks).
 */
class SafetensorsFuzzTest {

    private static final int CASES = 4000;
    private static final byte[] JSON_BYTES = "{}[]\",:0123456789-.eE \\u\u0000".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void randomCorruptionsGiveAModelLoadExceptionOrAValidParse() {
        byte[] valid = new SafetensorsWriter().metadata("format", "pt")
                .f32("model.embed.weight", shape(2, 3), 1, 2, 3, 4, 5, 6)
                .bf16("model.norm.weight", shape(3), (short) 0x3f80, (short) 0x4000, (short) 0xbf80)
                .f16("model.scalar", shape(), (short) 0x3c00)
                .tensor("model.position_ids", "I64", shape(1, 2), new byte[16])
                .f64("model.empty", shape(0, 2))
                .bytes();
        int headerEnd = 8 + (valid[0] & 0xff) + ((valid[1] & 0xff) << 8);
        SplittableRandom random = new SplittableRandom(20261127L);
        Path name = dir.resolve("fuzz.safetensors");
        int parsed = 0;
        int refused = 0;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int c = 0; c < CASES; c++) {
                byte[] bytes = mutate(valid, headerEnd, random);
                try {
                    SafetensorsFile.readHeader(name, bytes.length, inMemory(bytes));
                } catch (ModelLoadException e) {
                    refused++;
                    if (!e.getMessage().startsWith(name + ": ")) {
                        fail("case " + c + ": message does not name the file: " + e.getMessage());
                    }
                    continue;
                } catch (IOException | RuntimeException | Error e) {
                    fail("case " + c + " threw " + e + " for bytes " + new String(bytes, StandardCharsets.ISO_8859_1), e);
                }
                // a valid parse: every tensor must read within the file's bounds
                parsed++;
                Path file = SafetensorsWriter.writeBytes(dir.resolve("parsed-" + c + ".safetensors"), bytes);
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    for (TensorInfo t : f.tensors().values()) {
                        assertThat(t.end()).isLessThanOrEqualTo(bytes.length);
                        if (!t.dtype().computable()) {
                            assertThatThrownBy(() -> TensorLoader.readFloats(f, t)).isInstanceOf(ModelLoadException.class);
                            continue;
                        }
                        assertThat((long) TensorLoader.readFloats(f, t).length).isEqualTo(t.elementCount());
                        try (NDManager m = manager.newSubManager()) {
                            assertThat(TensorLoader.load(f, t, m, false, TensorLoader.Tuning.DEFAULT).size())
                                    .isEqualTo(t.elementCount());
                        }
                    }
                }
            }
        }
        assertThat(parsed).as("some mutations keep a valid file (names, metadata)").isPositive();
        assertThat(refused).as("most mutations break it").isGreaterThan(CASES / 2);
    }

    private static SafetensorsFile.Source inMemory(byte[] bytes) {
        return (target, position) -> {
            if (position >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(target.remaining(), bytes.length - position);
            target.put(bytes, (int) position, n);
            return n;
        };
    }

    /** One to four byte changes in the header (now and then in the length field), or a truncation. */
    private static byte[] mutate(byte[] valid, int headerEnd, SplittableRandom r) {
        byte[] b = valid.clone();
        int kind = r.nextInt(20);
        if (kind == 0) {
            return Arrays.copyOf(b, r.nextInt(b.length));
        }
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            int at = kind == 1 ? r.nextInt(8) : 8 + r.nextInt(headerEnd - 8);
            b[at] = r.nextBoolean() ? JSON_BYTES[r.nextInt(JSON_BYTES.length)] : (byte) r.nextInt(256);
        }
        return b;
    }
}
