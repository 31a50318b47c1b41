package dev.retention.model;

import com.google.gson.Gson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test-only safetensors writer: builds valid files the way the reference writer does (tensors
 * packed in order, header padded with spaces to a multiple of 8) and, for refusal tests, files
 * with any header text and data.
 */
final class SafetensorsWriter {

    private static final Gson GSON = new Gson();

    private record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();

    SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** A tensor with raw little-endian bytes. */
    SafetensorsWriter tensor(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape.clone(), data.clone()));
        return this;
    }

    SafetensorsWriter f32(String name, long[] shape, float... values) {
        return tensor(name, "F32", shape, f32Bytes(values));
    }

    SafetensorsWriter f16(String name, long[] shape, short... bits) {
        return tensor(name, "F16", shape, u16Bytes(bits));
    }

    SafetensorsWriter bf16(String name, long[] shape, short... bits) {
        return tensor(name, "BF16", shape, u16Bytes(bits));
    }

    SafetensorsWriter f64(String name, long[] shape, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return tensor(name, "F64", shape, b.array());
    }

    /** The header JSON (without padding) for the tensors added so far, packed in order. */
    String header() {
        List<String> parts = new ArrayList<>();
        if (!metadata.isEmpty()) {
            parts.add(GSON.toJson("__metadata__") + ":" + GSON.toJson(metadata));
        }
        long offset = 0;
        for (Entry e : entries) {
            long end = offset + e.data.length;
            parts.add(GSON.toJson(e.name) + ":{\"dtype\":" + GSON.toJson(e.dtype) + ",\"shape\":"
                    + Arrays.stream(e.shape).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"))
                    + ",\"data_offsets\":[" + offset + "," + end + "]}");
            offset = end;
        }
        return "{" + String.join(",", parts) + "}";
    }

    /** The tensors' bytes, concatenated in order. */
    byte[] data() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            out.writeBytes(e.data);
        }
        return out.toByteArray();
    }

    /** The whole file as bytes. */
    byte[] bytes() {
        return file(header(), data());
    }

    Path write(Path file) {
        return writeBytes(file, bytes());
    }

    /** A file with {@code header} (padded with spaces to a multiple of 8 bytes) and {@code data}. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = Arrays.copyOf(h, padded);
        Arrays.fill(hp, h.length, padded, (byte) ' ');
        return file(padded, hp, data);
    }

    /** A file whose length field says {@code declaredLength}, followed by {@code header} and {@code data}. */
    static byte[] file(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }

    static Path writeRaw(Path file, String header, byte[] data) {
        return writeBytes(file, file(header, data));
    }

    static Path writeBytes(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] f32Bytes(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToRawIntBits(v));
        }
        return b.array();
    }

    static byte[] u16Bytes(short... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : bits) {
            b.putShort(s);
        }
        return b.array();
    }

    static long[] shape(long... dims) {
        return dims;
    }
}
