package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;

/**
 * Turns the bytes of one safetensors tensor into a DJL array or a Java {@code float[]}.
 *
 * <p>Paths, in order of preference:
 * <ul>
 *   <li><b>Wrap</b> (float32 kept as float32, float16 kept as float16, at most
 *       {@link Tuning#maxMappingBytes} bytes, file privately mappable, aligned, little-endian host):
 *       the tensor's exact byte range is mapped copy-on-write and handed to
 *       {@code NDManager.create(ByteBuffer, Shape, DataType)}. On CPU DJL 0.35.1 wraps a direct
 *       buffer without copying ({@code torch::from_blob} on the buffer's base address) and the
 *       {@code PtNDArray} keeps the buffer referenced; on GPU it copies to the device.</li>
 *   <li><b>Convert in place</b> (CPU; conversions, misaligned or larger tensors, read-only files):
 *       an uninitialized array of the target type is created in the engine, and each chunk of it
 *       (a contiguous slice, so a view) is exposed with {@code toByteBuffer(true)}, which on the
 *       PyTorch engine is a direct buffer over the tensor's own memory; Java writes the converted
 *       values straight into it. No extra copy, and the engine owns the memory, so converted
 *       weights do not count against the JVM's {@code -XX:MaxDirectMemorySize}.</li>
 *   <li><b>Staged</b> (GPU, where that buffer would be a host copy): each chunk is converted into a
 *       scratch direct buffer of at most {@link Tuning#scratchBytes} (or, for a same-type copy,
 *       mapped), wrapped, copied by the engine into its slice of the device array, and closed.</li>
 * </ul>
 * Wrapped buffers are also attached to the creating manager, so the mapping outlives the array
 * until that manager closes: a view (reshape, transpose, slice) taken from a wrapped array and
 * kept after the array is closed still points at mapped memory. A view moved to another manager
 * must not outlive both.
 */
final class TensorLoader {

    private static final boolean LITTLE_ENDIAN_HOST = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** Largest Java array the JVM will hand out. */
    private static final long MAX_JAVA_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Limits and path choices of loading (package-private so tests can exercise chunking with tiny
     * tensors and the GPU's staged path on CPU).
     *
     * @param maxMappingBytes largest tensor wrapped from one mapping, and largest chunk converted in
     *     place; at most {@code Integer.MAX_VALUE}, the capacity of a Java buffer
     * @param scratchBytes size of the direct buffer the staged path fills per chunk. Direct buffers
     *     count against {@code -XX:MaxDirectMemorySize} (by default the maximum heap), so this stays
     *     far below a large weight matrix; the per-chunk overhead (one engine copy) is negligible
     * @param privateMappings whether files are opened for writing so they can be mapped privately
     *     (false: every tensor is copied, as for read-only files)
     * @param convertInPlace whether CPU conversions write into the engine's memory (false: staged,
     *     as on GPU)
     */
    record Tuning(long maxMappingBytes, long scratchBytes, boolean privateMappings, boolean convertInPlace) {

        static final Tuning DEFAULT = new Tuning(Integer.MAX_VALUE, 64L << 20, true, true);

        Tuning {
            if (maxMappingBytes < 1 || maxMappingBytes > Integer.MAX_VALUE || scratchBytes < 1
                    || scratchBytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("limits must lie in [1, " + Integer.MAX_VALUE + "]: "
                        + maxMappingBytes + ", " + scratchBytes);
            }
        }
    }

    private TensorLoader() {
    }

    /** Refuses dtypes Retention cannot compute with, naming the tensor and its file. */
    static void requireComputable(TensorInfo info) {
        if (!info.dtype().computable()) {
            throw new ModelLoadException(info.file(), "tensor '" + info.name() + "' has dtype " + info.dtype()
                    + ", which Retention cannot compute with. Quantized checkpoints (GPTQ, AWQ, bitsandbytes, fp8) "
                    + "are not supported: use a float16, bfloat16 or float32 export of the model");
        }
    }

    /**
     * The tensor on {@code manager}'s device as float32, or as float16 when it is stored as float16
     * and {@code keepFloat16} is set (bfloat16 and float64 always become float32).
     */
    static NDArray load(SafetensorsFile file, TensorInfo info, NDManager manager, boolean keepFloat16, Tuning tuning) {
        requireComputable(info);
        DataType type = keepFloat16 && info.dtype() == SafetensorsDtype.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
        Shape shape = new Shape(info.shape());
        NDArray out;
        if (info.elementCount() == 0) {
            out = manager.create(shape, type);
        } else if (mappable(file, info, type) && info.byteCount() <= tuning.maxMappingBytes()) {
            out = wrap(manager, file.mapPrivate(info.begin(), info.byteCount()), shape, type);
        } else {
            out = assemble(file, info, manager, type, shape, tuning);
        }
        out.setName(info.name());
        return out;
    }

    /** Whether the stored bytes are already the target type and can be handed to the engine as mapped. */
    private static boolean mappable(SafetensorsFile file, TensorInfo info, DataType type) {
        boolean sameType = (info.dtype() == SafetensorsDtype.F32 && type == DataType.FLOAT32)
                || (info.dtype() == SafetensorsDtype.F16 && type == DataType.FLOAT16);
        // a mapping's address is congruent to its file position modulo the page size
        return sameType && LITTLE_ENDIAN_HOST && file.privatelyMappable() && info.begin() % info.dtype().bytes() == 0;
    }

    private static NDArray wrap(NDManager manager, ByteBuffer buffer, Shape shape, DataType type) {
        NDArray a = manager.create(buffer, shape, type);
        if (!a.getDevice().isGpu()) {
            manager.attachInternal("safetensors-buffer-" + a.getUid(), new BufferHold(buffer));
        }
        return a;
    }

    private static NDArray assemble(SafetensorsFile file, TensorInfo info, NDManager manager, DataType type,
                                    Shape shape, Tuning tuning) {
        long count = info.elementCount();
        int inBytes = info.dtype().bytes();
        int outBytes = type.getNumOfBytes();
        NDArray dest = manager.create(shape, type);
        // DJL's toByteBuffer(true) aliases the tensor's memory only on the CPU
        boolean inPlace = tuning.convertInPlace() && dest.getDevice().equals(Device.cpu());
        boolean mapChunks = !inPlace && mappable(file, info, type);
        long limit = inPlace || mapChunks ? tuning.maxMappingBytes() : tuning.scratchBytes();
        long per = Math.min(count, Math.max(1, limit / Math.max(inBytes, outBytes)));
        ByteBuffer scratch = inPlace || mapChunks ? null
                : ByteBuffer.allocateDirect(Math.toIntExact(per * outBytes)).order(ByteOrder.nativeOrder());
        try (NDManager tmp = manager.newSubManager()) {
            NDArray flat = dest.reshape(-1);
            flat.attach(tmp);
            for (long from = 0; from < count; from += per) {
                int n = (int) Math.min(per, count - from);
                long position = info.begin() + from * inBytes;
                NDIndex slice = new NDIndex().addSliceDim(from, from + n);
                if (inPlace) {
                    try (NDArray part = flat.get(slice)) {
                        ByteBuffer target = part.toByteBuffer(true);
                        if (!target.isDirect() || target.capacity() != n * outBytes) {
                            throw new IllegalStateException("DJL did not expose the memory of a " + n + "-element "
                                    + type + " slice as a direct buffer (got " + target + ")");
                        }
                        convert(info.dtype(), type, file.mapReadOnly(position, (long) n * inBytes), target, n);
                    }
                    continue;
                }
                NDArray chunk;
                if (mapChunks) {
                    chunk = wrap(tmp, file.mapPrivate(position, (long) n * inBytes), new Shape(n), type);
                } else {
                    scratch.clear();
                    convert(info.dtype(), type, file.mapReadOnly(position, (long) n * inBytes), scratch, n);
                    scratch.limit(n * outBytes);
                    chunk = tmp.create(scratch, new Shape(n), type);
                }
                flat.set(slice, chunk);
                chunk.close();
            }
        } catch (RuntimeException | Error e) {
            dest.close();
            throw e;
        }
        return dest;
    }

    /** Writes {@code n} values of {@code to} converted from {@code source} at {@code target}'s start. */
    private static void convert(SafetensorsDtype from, DataType to, ByteBuffer source, ByteBuffer target, int n) {
        ByteBuffer t = target.duplicate().order(ByteOrder.nativeOrder());
        t.clear();
        if (to == DataType.FLOAT16) {
            FloatConversions.copyFloat16(source, t.asShortBuffer(), n);
        } else {
            FloatConversions.toFloat32(from, source, t.asIntBuffer(), n);
        }
    }

    /** The tensor as a Java {@code float[]} (widened or narrowed as in {@link #load}). */
    static float[] readFloats(SafetensorsFile file, TensorInfo info) {
        requireComputable(info);
        long count = info.elementCount();
        if (count > MAX_JAVA_ARRAY) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + count
                    + " elements, too many for a Java array; load it as an NDArray");
        }
        int[] bits = new int[(int) count];
        int inBytes = info.dtype().bytes();
        int per = (int) Math.min(count, (1 << 30) / inBytes);
        IntBuffer target = IntBuffer.wrap(bits);
        for (long from = 0; from < count; from += per) {
            int n = (int) Math.min(per, count - from);
            FloatConversions.toFloat32(info.dtype(), file.mapReadOnly(info.begin() + from * inBytes, (long) n * inBytes),
                    target, n);
        }
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            out[i] = Float.intBitsToFloat(bits[i]);
        }
        return out;
    }

    /** Keeps a wrapped buffer (and so its mapping or memory) reachable until its manager closes. */
    private static final class BufferHold implements AutoCloseable {

        private ByteBuffer buffer;

        BufferHold(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void close() {
            buffer = null;
        }

        @Override
        public String toString() {
            return "BufferHold[" + (buffer == null ? "released" : buffer.capacity() + " bytes") + "]";
        }
    }
}
