package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.retention.model.SafetensorsWriter.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loading tensors into DJL arrays: zero-copy float32, exact widening, chunked assembly, no leaks.
 * Comparisons are on raw bits: every conversion here is exact (or, for float64, defined as Java's
 * cast), so no tolerance is needed.
 */
class SafetensorsLoadTest {

    /** Small enough that 35-element tensors are assembled from several uneven chunks. */
    private static final TensorLoader.Tuning TINY = new TensorLoader.Tuning(12, 12, true, true);
    /** As {@link #TINY}, through the staged path the GPU takes (scratch buffer, engine copy per chunk). */
    private static final TensorLoader.Tuning TINY_STAGED = new TensorLoader.Tuning(12, 12, true, false);
    private static final TensorLoader.Tuning READ_ONLY =
            new TensorLoader.Tuning(Integer.MAX_VALUE, 64L << 20, false, true);
    private static final TensorLoader.Tuning READ_ONLY_STAGED =
            new TensorLoader.Tuning(Integer.MAX_VALUE, 64L << 20, false, false);

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void manager() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static int[] bits(NDArray a) {
        assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
        float[] f = a.toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    /** The array's bytes in little-endian order (the layout of the file). */
    private static byte[] bytes(NDArray a) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static float[] sequence(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void djlWrapsADirectBufferFromItsBaseAddressWithoutCopying() {
        // The DJL 0.35.1 behaviour the loader relies on (PtNDManager.create -> torchFromBlob): a
        // direct buffer is wrapped, not copied, on CPU; and the *base address* is used, not position().
        ByteBuffer buf = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(new float[] {1, 2, 3, 4});
        NDArray a = manager.create(buf, new Shape(4), DataType.FLOAT32);
        buf.putFloat(4, 20f);
        assertThat(a.toFloatArray()).as("a write to the buffer shows in the array").containsExactly(1, 20, 3, 4);
        buf.position(4);
        NDArray b = manager.create(buf, new Shape(3), DataType.FLOAT32);
        assertThat(b.toFloatArray()).as("position() is ignored").containsExactly(1, 20, 3);
    }

    @Test
    void float32IsTheMappedFileRangeItselfOnCpu() throws IOException {
        float[] v = {1.5f, -2f, 3.25f, 0f, -0f, Float.MIN_VALUE};
        Path f = new SafetensorsWriter().f16("h", shape(2), (short) 0x3c00, (short) 0).f32("w", shape(2, 3), v)
                .write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            NDArray a = c.loadFloat32("w", manager);
            assertThat(a.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(a.getName()).isEqualTo("w");
            assertThat(bytes(a))
                    .isEqualTo(SafetensorsWriter.f32Bytes(v));
            // No copy was made: the array's storage is the private mapping, whose unwritten pages Linux
            // shares with the page cache, so a write to the file through another channel shows in it.
            TensorInfo info = c.info("w");
            assertThat(info.begin() % 4).as("aligned, so wrapped").isZero();
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(SafetensorsWriter.f32Bytes(42f)), info.begin());
            }
            assertThat(a.toFloatArray()[0]).isEqualTo(42f);
        }
    }

    @Test
    void anInPlaceWriteToALoadedWeightNeverReachesTheFile() throws IOException {
        Path f = new SafetensorsWriter().f32("w", shape(4), 1, 2, 3, 4).write(dir.resolve("model.safetensors"));
        byte[] before = Files.readAllBytes(f);
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            NDArray a = c.loadFloat32("w", manager);
            a.muli(10);
            assertThat(a.toFloatArray()).containsExactly(10, 20, 30, 40);
            assertThat(c.loadFloat32("w", manager).toFloatArray()).containsExactly(1, 2, 3, 4);
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
    }

    @Test
    void aViewOutlivingItsClosedArrayStillReadsTheMappedBytes() {
        float[] v = sequence(16, 7);
        new SafetensorsWriter().f32("w", shape(4, 4), v).write(dir.resolve("model.safetensors"));
        NDArray view;
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            NDArray a = c.loadFloat32("w", manager);
            view = a.transpose();
            a.close();
        }
        // The mapping is held by the manager, not only by the closed array: collecting garbage must
        // not unmap the bytes the view still points at (that would crash the JVM).
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        float[] t = view.toFloatArray();
        for (int r = 0; r < 4; r++) {
            for (int col = 0; col < 4; col++) {
                assertThat(t[col * 4 + r]).isEqualTo(v[r * 4 + col]);
            }
        }
    }

    @Test
    void bfloat16IsWidenedExactlyForAllBitPatterns() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        new SafetensorsWriter().bf16("w", shape(256, 256), all).write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            NDArray a = c.loadFloat32("w", manager);
            assertThat(a.getShape()).isEqualTo(new Shape(256, 256));
            int[] got = bits(a);
            for (int i = 0; i < all.length; i++) {
                assertThat(got[i]).as("bf16 0x%04x", i).isEqualTo(i << 16);
            }
            float[] java = c.readFloats("w");
            for (int i = 0; i < all.length; i++) {
                assertThat(Float.floatToRawIntBits(java[i])).as("readFloats bf16 0x%04x", i).isEqualTo(i << 16);
            }
        }
    }

    @Test
    void float16IsWidenedExactlyForAllBitPatternsAndCanStayFloat16() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        new SafetensorsWriter().f16("w", shape(1 << 16), all).write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            int[] got = bits(c.loadFloat32("w", manager));
            for (int i = 0; i < all.length; i++) {
                assertThat(got[i]).as("f16 0x%04x", i).isEqualTo(FloatConversions.halfToFloatBits(i));
            }
            NDArray kept = c.load("w", manager, true);
            assertThat(kept.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(bytes(kept))
                    .isEqualTo(SafetensorsWriter.u16Bytes(all));
        }
    }

    @Test
    void float64IsNarrowedByJavasCast() {
        double[] v = {0.1, -1.5, 1e300, -1e300, 1e-50, -0.0, Double.NaN, Double.MIN_NORMAL, 3.4028235677973366e38,
            1.401298464324817e-45, 7e-46, Math.PI};
        new SafetensorsWriter().f64("w", shape(3, 4), v).write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            int[] got = bits(c.loadFloat32("w", manager));
            float[] java = c.readFloats("w");
            for (int i = 0; i < v.length; i++) {
                assertThat(got[i]).as("f64 %s", v[i]).isEqualTo(Float.floatToRawIntBits((float) v[i]));
                assertThat(Float.floatToRawIntBits(java[i])).isEqualTo(Float.floatToRawIntBits((float) v[i]));
            }
            assertThat(Float.intBitsToFloat(got[2])).isInfinite();
        }
    }

    @Test
    void scalarsEmptyAndMultiDimensionalTensorsKeepTheirShapes() {
        float[] cube = sequence(24, 3);
        new SafetensorsWriter().f32("scalar", shape(), 3.5f).f32("empty", shape(0, 4))
                .bf16("emptyBf16", shape(3, 0)).f32("cube", shape(2, 3, 4), cube)
                .bf16("bfScalar", shape(), (short) 0xbf80)
                .write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            NDArray s = c.loadFloat32("scalar", manager);
            assertThat(s.getShape()).isEqualTo(new Shape());
            assertThat(s.getFloat()).isEqualTo(3.5f);
            NDArray b = c.loadFloat32("bfScalar", manager);
            assertThat(b.getShape()).isEqualTo(new Shape());
            assertThat(b.getFloat()).isEqualTo(-1f);
            assertThat(c.loadFloat32("empty", manager).getShape()).isEqualTo(new Shape(0, 4));
            NDArray e = c.loadFloat32("emptyBf16", manager);
            assertThat(e.getShape()).isEqualTo(new Shape(3, 0));
            assertThat(e.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(c.readFloats("empty")).isEmpty();
            NDArray k = c.loadFloat32("cube", manager);
            assertThat(k.getShape()).isEqualTo(new Shape(2, 3, 4));
            // row-major: element [1, 2, 3] is at 1*12 + 2*4 + 3
            assertThat(k.getFloat(1, 2, 3)).isEqualTo(cube[23]);
            assertThat(k.getFloat(0, 1, 2)).isEqualTo(cube[6]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "F16-kept", "BF16", "F64"})
    void chunkedAssemblyEqualsTheUnchunkedResult(String kind) throws IOException {
        boolean keep = kind.equals("F16-kept");
        String dtype = kind.replace("-kept", "");
        float[] v = sequence(35, 11);
        SafetensorsWriter w = new SafetensorsWriter().f16("pad", shape(1), (short) 1);
        switch (dtype) {
            case "F32" -> w.f32("w", shape(5, 7), v);
            case "F64" -> {
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    d[i] = v[i] * 1.000001;
                }
                w.f64("w", shape(5, 7), d);
            }
            default -> {
                short[] h = new short[v.length];
                for (int i = 0; i < v.length; i++) {
                    h[i] = (short) (Float.floatToRawIntBits(v[i]) >>> (dtype.equals("BF16") ? 16 : 19));
                }
                if (dtype.equals("BF16")) {
                    w.bf16("w", shape(5, 7), h);
                } else {
                    w.f16("w", shape(5, 7), h);
                }
            }
        }
        w.write(dir.resolve("model.safetensors"));
        byte[] whole;
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            whole = bytes(c.load("w", manager, keep));
        }
        for (TensorLoader.Tuning t : List.of(TINY, TINY_STAGED, READ_ONLY, READ_ONLY_STAGED,
                new TensorLoader.Tuning(1, 1, true, true), new TensorLoader.Tuning(1, 1, true, false))) {
            try (CheckpointTensors c = CheckpointTensors.open(dir, "model", t);
                 NDManager m = manager.newSubManager()) {
                NDArray a = c.load("w", m, keep);
                assertThat(a.getShape()).isEqualTo(new Shape(5, 7));
                assertThat(bytes(a)).as("%s with %s", kind, t).isEqualTo(whole);
                assertThat(m.getManagedArrays()).as("only the result is left").containsExactly(a);
            }
        }
    }

    @Test
    void aMisalignedFloat32TensorIsCopiedNotWrapped() {
        // a 1-element float16 first puts the float32 tensor at an odd-by-two position
        new SafetensorsWriter().f16("pad", shape(1), (short) 0x3c00).f32("w", shape(3), 1, 2, 3)
                .write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.info("w").begin() % 4).isEqualTo(2);
            assertThat(c.loadFloat32("w", manager).toFloatArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void loadsLeaveOnlyTheResultInTheManager() {
        new SafetensorsWriter().f32("a", shape(8), sequence(8, 1)).bf16("b", shape(2), (short) 1, (short) 2)
                .f64("c", shape(2), 1, 2).write(dir.resolve("model.safetensors"));
        for (TensorLoader.Tuning t : List.of(TensorLoader.Tuning.DEFAULT, TINY, TINY_STAGED)) {
            try (CheckpointTensors c = CheckpointTensors.open(dir, "model", t);
                 NDManager m = manager.newSubManager()) {
                List<NDArray> loaded = new ArrayList<>();
                for (String n : c.names()) {
                    loaded.add(c.loadFloat32(n, m));
                }
                assertThat(m.getManagedArrays()).as("%s", t).containsExactlyInAnyOrderElementsOf(loaded);
            }
        }
    }

    @Test
    void aReadOnlyFileIsCopiedAndStillSafeToWriteInPlace() throws IOException {
        Path f = new SafetensorsWriter().f32("w", shape(2), 1, 2).write(dir.resolve("model.safetensors"));
        byte[] before = Files.readAllBytes(f);
        try (CheckpointTensors c = CheckpointTensors.open(dir, "model", READ_ONLY)) {
            NDArray a = c.loadFloat32("w", manager);
            a.addi(1);
            assertThat(a.toFloatArray()).containsExactly(2, 3);
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"I8", "U8", "I64", "BOOL", "F8_E4M3", "F8_E5M2", "I32", "U16", "C64"})
    void nonFloatDtypesAreRefusedWhenLoadedNotWhenOpened(String dtype) {
        int bytes = SafetensorsDtype.parse(dtype).orElseThrow().bytes();
        Path f = new SafetensorsWriter().f32("model.w", shape(1), 1f)
                .tensor("model.layers.0.qweight", dtype, shape(2), new byte[2 * bytes])
                .write(dir.resolve("model.safetensors"));
        try (CheckpointTensors c = CheckpointTensors.open(dir)) {
            assertThat(c.loadFloat32("model.w", manager).toFloatArray()).containsExactly(1f);
            String reason = f + ": tensor 'model.layers.0.qweight' has dtype " + dtype + ", which Retention cannot "
                    + "compute with. Quantized checkpoints (GPTQ, AWQ, bitsandbytes, fp8) are not supported: use a "
                    + "float16, bfloat16 or float32 export of the model";
            assertThatThrownBy(() -> c.loadFloat32("model.layers.0.qweight", manager))
                    .isInstanceOf(ModelLoadException.class).hasMessage(reason);
            assertThatThrownBy(() -> c.readFloats("model.layers.0.qweight"))
                    .isInstanceOf(ModelLoadException.class).hasMessage(reason);
        }
        assertThat(manager.getManagedArrays()).hasSize(1);
    }
}
