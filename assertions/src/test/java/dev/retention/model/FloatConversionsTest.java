package dev.retention.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java float16 decoder against two independent references, over all 65,536 bit patterns. */
class FloatConversionsTest {

    /**
     * The IEEE 754 binary16 definition, evaluated in double (exact: every binary16 value is a
     * double) and then cast to float (exact: every binary16 value is a float).
     */
    private static float byDefinition(int h) {
        int sign = h >>> 15;
        int exponent = (h >>> 10) & 0x1f;
        int fraction = h & 0x3ff;
        double s = sign == 1 ? -1.0 : 1.0;
        if (exponent == 0x1f) {
            return fraction == 0 ? (float) (s * Double.POSITIVE_INFINITY) : Float.NaN;
        }
        if (exponent == 0) {
            return (float) (s * fraction * Math.pow(2, -24));
        }
        return (float) (s * (1 + fraction / 1024.0) * Math.pow(2, exponent - 15));
    }

    @Test
    void float16DecodingMatchesTheDefinitionForEveryPattern() {
        int nans = 0;
        for (int h = 0; h < 1 << 16; h++) {
            int got = FloatConversions.halfToFloatBits(h);
            float expected = byDefinition(h);
            if (Float.isNaN(expected)) {
                nans++;
                // NaN keeps its sign and payload (the 10 fraction bits become the top of float32's 23)
                // and is quiet (bit 22 set), as IEEE 754 requires of a conversion
                assertThat(got).as("0x%04x", h).isEqualTo(((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x3ff) << 13));
            } else {
                assertThat(got).as("0x%04x", h).isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
        assertThat(nans).isEqualTo(2 * 1023);
        assertThat(Float.intBitsToFloat(FloatConversions.halfToFloatBits(0x0001))).isEqualTo(0x1p-24f);
        assertThat(Float.intBitsToFloat(FloatConversions.halfToFloatBits(0x03ff))).isEqualTo(1023 * 0x1p-24f);
        assertThat(Float.intBitsToFloat(FloatConversions.halfToFloatBits(0x7bff))).isEqualTo(65504f);
        assertThat(FloatConversions.halfToFloatBits(0x8000)).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(Float.intBitsToFloat(FloatConversions.halfToFloatBits(0xfc00))).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void float16DecodingMatchesLibtorchForEveryPattern() {
        ByteBuffer buf = ByteBuffer.allocateDirect(2 << 16).order(ByteOrder.nativeOrder());
        for (int h = 0; h < 1 << 16; h++) {
            buf.putShort((short) h);
        }
        buf.flip();
        float[] torch;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray half = m.create(buf, new Shape(1 << 16), DataType.FLOAT16);
            torch = half.toType(DataType.FLOAT32, false).toFloatArray();
        }
        for (int h = 0; h < 1 << 16; h++) {
            // libtorch also keeps NaN payloads and quiets signalling NaNs: all patterns agree bit for bit
            assertThat(FloatConversions.halfToFloatBits(h)).as("0x%04x", h)
                    .isEqualTo(Float.floatToRawIntBits(torch[h]));
        }
    }

    @Test
    void bfloat16IsTheUpperHalfOfAFloat32() {
        assertThat(Float.intBitsToFloat(FloatConversions.bfloat16ToFloatBits(0x3f80))).isEqualTo(1f);
        assertThat(Float.intBitsToFloat(FloatConversions.bfloat16ToFloatBits(0xc049))).isEqualTo(-3.140625f);
        assertThat(Float.intBitsToFloat(FloatConversions.bfloat16ToFloatBits(0x0001))).isEqualTo(0x1p-133f);
        assertThat(Float.intBitsToFloat(FloatConversions.bfloat16ToFloatBits(0xff80))).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(FloatConversions.bfloat16ToFloatBits(0x7fc1)).isEqualTo(0x7fc10000);
    }
}
