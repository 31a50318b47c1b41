package dev.retention.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every element type the safetensors format names (huggingface/safetensors {@code Dtype}), spelled
 * as in the header. Only {@link #computable() F64, F32, F16 and BF16} can be loaded by Retention;
 * the others are accepted in a header (checkpoints carry the odd integer buffer) and refused when
 * such a tensor is loaded.
 */
enum SafetensorsDtype {
    BOOL(8),
    /** MX float4 (e2m1), two per byte. */
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    F8_E4M3FNUZ(8),
    F8_E5M2FNUZ(8),
    I16(16),
    U16(16),
    F16(16),
    BF16(16),
    I32(32),
    U32(32),
    F32(32),
    /** Complex, two float32 parts. */
    C64(64),
    F64(64),
    I64(64),
    U64(64);

    private final int bits;

    SafetensorsDtype(int bits) {
        this.bits = bits;
    }

    /** The dtype spelled {@code s} in a header (case-sensitive, as the format is). */
    static Optional<SafetensorsDtype> parse(String s) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(s)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The header spellings of all dtypes, for error messages. */
    static List<String> spellings() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }

    /** Bits per element (4 and 6 for the packed MX float types). */
    int bits() {
        return bits;
    }

    /**
     * Bytes per element.
     *
     * @throws IllegalStateException for {@link #F4}, {@link #F6_E2M3} and {@link #F6_E3M2}, which
     *     pack several elements into a byte
     */
    int bytes() {
        if (bits % 8 != 0) {
            throw new IllegalStateException(name() + " packs " + bits + "-bit elements; it has no whole bytes per element");
        }
        return bits / 8;
    }

    /** Whether Retention can compute with this dtype (float64, float32, float16, bfloat16). */
    boolean computable() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }
}
