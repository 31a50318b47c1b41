package dev.retention.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions of stored floating-point formats to float32 bit patterns, done in Java so that no
 * bfloat16 array ever reaches DJL (its PyTorch engine aborts the JVM on one).
 *
 * <ul>
 *   <li>bfloat16 → float32 is exact: the upper 16 bits of a float32.</li>
 *   <li>float16 → float32 is exact for all 65,536 patterns (Java 17 has no
 *       {@code Float.float16ToFloat}): subnormals are normalized, ±0 and ±Inf keep their sign, and a
 *       NaN keeps sign and payload and comes out quiet, as IEEE 754 conversion, x86 F16C and
 *       libtorch do.</li>
 *   <li>float64 → float32 is Java's narrowing cast: round to nearest even, overflow to ±Inf.</li>
 * </ul>
 * Bits are moved as {@code int}s, never through a {@code float} local.
 */
final class FloatConversions {

    private static final int BLOCK = 4096;

    /** float32 bits of every float16 pattern. */
    private static final int[] HALF_TO_FLOAT_BITS = new int[1 << 16];

    static {
        for (int h = 0; h < HALF_TO_FLOAT_BITS.length; h++) {
            HALF_TO_FLOAT_BITS[h] = computeHalfToFloatBits(h);
        }
    }

    private FloatConversions() {
    }

    /** float32 bits of the float16 with bits {@code half} (low 16 bits used). */
    static int halfToFloatBits(int half) {
        return HALF_TO_FLOAT_BITS[half & 0xffff];
    }

    /** float32 bits of the bfloat16 with bits {@code bf16} (low 16 bits used). */
    static int bfloat16ToFloatBits(int bf16) {
        return (bf16 & 0xffff) << 16;
    }

    private static int computeHalfToFloatBits(int h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            // Inf (mantissa 0), or NaN: payload shifted into place, quiet bit set
            return mantissa == 0 ? sign | 0x7f800000 : sign | 0x7fc00000 | (mantissa << 13);
        }
        if (exponent != 0) {
            // normal: rebias 15 -> 127
            return sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
        }
        if (mantissa == 0) {
            return sign;
        }
        // subnormal m * 2^-24: shift the leading one into the implicit bit, one exponent step per shift
        int e = 127 - 15 + 1;
        while ((mantissa & 0x400) == 0) {
            mantissa <<= 1;
            e--;
        }
        return sign | (e << 23) | ((mantissa & 0x3ff) << 13);
    }

    /**
     * Converts {@code count} elements of {@code dtype} from {@code source} (little-endian, read from
     * its position) to float32 bits written at {@code target}'s position (in the target's order).
     */
    static void toFloat32(SafetensorsDtype dtype, ByteBuffer source, IntBuffer target, int count) {
        ByteBuffer src = source.slice().order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[Math.min(BLOCK, count)];
        switch (dtype) {
            case F32 -> {
                IntBuffer in = src.asIntBuffer();
                for (int done = 0; done < count; done += out.length) {
                    int n = Math.min(out.length, count - done);
                    in.get(out, 0, n);
                    target.put(out, 0, n);
                }
            }
            case F16, BF16 -> {
                ShortBuffer in = src.asShortBuffer();
                short[] block = new short[out.length];
                boolean half = dtype == SafetensorsDtype.F16;
                for (int done = 0; done < count; done += out.length) {
                    int n = Math.min(out.length, count - done);
                    in.get(block, 0, n);
                    for (int i = 0; i < n; i++) {
                        out[i] = half ? HALF_TO_FLOAT_BITS[block[i] & 0xffff] : (block[i] & 0xffff) << 16;
                    }
                    target.put(out, 0, n);
                }
            }
            case F64 -> {
                DoubleBuffer in = src.asDoubleBuffer();
                double[] block = new double[out.length];
                for (int done = 0; done < count; done += out.length) {
                    int n = Math.min(out.length, count - done);
                    in.get(block, 0, n);
                    for (int i = 0; i < n; i++) {
                        out[i] = Float.floatToRawIntBits((float) block[i]);
                    }
                    target.put(out, 0, n);
                }
            }
            default -> throw new IllegalArgumentException("no float32 conversion from " + dtype);
        }
    }

    /** Copies {@code count} float16 values from {@code source} (little-endian) to {@code target}. */
    static void copyFloat16(ByteBuffer source, ShortBuffer target, int count) {
        ShortBuffer in = source.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        short[] block = new short[Math.min(BLOCK, count)];
        for (int done = 0; done < count; done += block.length) {
            int n = Math.min(block.length, count - done);
            in.get(block, 0, n);
            target.put(block, 0, n);
        }
    }
}
