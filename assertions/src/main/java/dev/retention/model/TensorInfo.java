package dev.retention.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors file, as its header describes it.
 *
 * @param name the tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype element type as stored
 * @param shape dimensions, row-major; {@code []} for a scalar (a copy is returned)
 * @param file the safetensors file holding the bytes
 * @param begin absolute position in {@code file} of the first byte (not the header's relative
 *     {@code data_offsets})
 * @param end absolute position one past the last byte
 */
record TensorInfo(String name, SafetensorsDtype dtype, long[] shape, Path file, long begin, long end) {

    TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("byte range [" + begin + ", " + end + ") of " + name);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape (1 for a scalar, 0 if any dimension is 0). */
    long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes as stored, {@code end - begin}. */
    long byteCount() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName() + " bytes [" + begin + ", "
                + end + ")";
    }
}
