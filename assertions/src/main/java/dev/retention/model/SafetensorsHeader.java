package dev.retention.model;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Parses and validates the JSON header of a safetensors file (format: huggingface/safetensors
 * README, "Format"). Nothing is trusted: every number is checked against the file's size before a
 * byte of tensor data is touched, so a corrupt or hostile header ends in a {@link ModelLoadException}.
 */
final class SafetensorsHeader {

    /** The format's limit on the header length (safetensors {@code MAX_HEADER_SIZE}). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final Pattern NON_NEGATIVE_INTEGER = Pattern.compile("0|[1-9][0-9]*");

    private final Path file;
    private final long dataStart;
    private final long dataSize;
    private final Map<String, String> metadata = new TreeMap<>();
    private final SortedMap<String, TensorInfo> tensors = new TreeMap<>();

    private SafetensorsHeader(Path file, long dataStart, long dataSize) {
        this.file = file;
        this.dataStart = dataStart;
        this.dataSize = dataSize;
    }

    /**
     * Parses {@code header}, the {@code N} bytes after the 8-byte length of {@code file}.
     *
     * @param dataStart absolute position of the data section ({@code 8 + N})
     * @param dataSize bytes from {@code dataStart} to the end of the file
     */
    static SafetensorsHeader parse(Path file, byte[] header, long dataStart, long dataSize) {
        SafetensorsHeader h = new SafetensorsHeader(file, dataStart, dataSize);
        h.parse(header);
        h.checkCoverage();
        return h;
    }

    /** The {@code __metadata__} map, sorted; empty when absent. */
    Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** Tensors by name. */
    SortedMap<String, TensorInfo> tensors() {
        return Collections.unmodifiableSortedMap(tensors);
    }

    private void parse(byte[] header) {
        if (header.length == 0 || header[0] != '{') {
            throw fail("the header must begin with '{' but begins with "
                    + (header.length == 0 ? "nothing (its length is 0)" : String.format("byte 0x%02x", header[0] & 0xff))
                    + "; this is not a safetensors file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw fail("the header is not valid UTF-8 (" + e.getMessage() + "); the file is corrupt");
        }
        try (JsonReader r = new JsonReader(new StringReader(text))) {
            r.setStrictness(Strictness.STRICT);
            r.beginObject();
            Set<String> seen = new HashSet<>();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw fail(METADATA_KEY.equals(name) ? "the header has two " + METADATA_KEY + " entries"
                            : "tensor '" + name + "' appears twice in the header (duplicate names are not allowed; "
                                    + "which one would be meant?)");
                }
                if (METADATA_KEY.equals(name)) {
                    readMetadata(r);
                } else {
                    readTensor(r, name);
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw fail("the header has more JSON after its object");
            }
        } catch (IOException e) {
            throw fail("the header is not valid JSON: " + jsonMessage(e));
        }
    }

    private void readMetadata(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw fail(METADATA_KEY + " must be an object of strings, found " + describe(r.peek()));
        }
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw fail(METADATA_KEY + " entry '" + key + "' must be a string, found " + describe(r.peek())
                        + " (the format allows only string values there)");
            }
            if (metadata.put(key, r.nextString()) != null) {
                throw fail(METADATA_KEY + " has the key '" + key + "' twice");
            }
        }
        r.endObject();
    }

    private void readTensor(JsonReader r, String name) throws IOException {
        String where = "tensor '" + name + "'";
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw fail(where + " must be an object with dtype, shape and data_offsets, found " + describe(r.peek()));
        }
        SafetensorsDtype dtype = null;
        long[] shape = null;
        long[] offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    requireFirst(dtype == null, where, key);
                    dtype = readDtype(r, where);
                }
                case "shape" -> {
                    requireFirst(shape == null, where, key);
                    shape = readIntegers(r, where, "shape");
                }
                case "data_offsets" -> {
                    requireFirst(offsets == null, where, key);
                    offsets = readIntegers(r, where, "data_offsets");
                }
                // the reference implementation ignores other keys; so does Retention
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw fail(where + " has no " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets")
                    + " (each tensor needs dtype, shape and data_offsets)");
        }
        tensors.put(name, validated(name, dtype, shape, offsets));
    }

    private TensorInfo validated(String name, SafetensorsDtype dtype, long[] shape, long[] offsets) {
        String where = "tensor '" + name + "'";
        if (offsets.length != 2) {
            throw fail(where + " has data_offsets with " + offsets.length + " numbers; it needs [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw fail(where + " has data_offsets [" + begin + ", " + end + "] with begin after end");
        }
        if (end > dataSize) {
            throw fail(where + " has data_offsets [" + begin + ", " + end + "] but the data section holds only "
                    + dataSize + " bytes; the file is truncated or corrupt");
        }
        long bytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            long bits = Math.multiplyExact(count, (long) dtype.bits());
            if (bits % 8 != 0) {
                throw fail(where + " (" + dtype + " " + Arrays.toString(shape) + ") has " + count + " elements of "
                        + dtype.bits() + " bits, which do not fill whole bytes");
            }
            bytes = bits / 8;
        } catch (ArithmeticException e) {
            throw fail(where + " has shape " + Arrays.toString(shape) + ", whose size overflows 64 bits");
        }
        if (end - begin != bytes) {
            throw fail(where + " (" + dtype + " " + Arrays.toString(shape) + ") needs " + bytes
                    + " bytes but its data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, file, dataStart + begin, dataStart + end);
    }

    /**
     * The tensors must tile the data section exactly: no two share a byte, and no byte belongs to
     * none (the format forbids holes, which would allow polyglot files).
     */
    private void checkCoverage() {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)
                .thenComparing(TensorInfo::name));
        TensorInfo widest = null;
        for (TensorInfo t : byOffset) {
            if (t.byteCount() > 0 && widest != null && t.begin() < widest.end()) {
                throw fail("tensors '" + widest.name() + "' (bytes " + relative(widest) + ") and '" + t.name()
                        + "' (bytes " + relative(t) + ") overlap");
            }
            if (widest == null || t.end() > widest.end()) {
                widest = t;
            }
        }
        long cursor = dataStart;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() > cursor) {
                throw fail("bytes [" + (cursor - dataStart) + ", " + (t.begin() - dataStart) + ") of the data section "
                        + "belong to no tensor (before '" + t.name() + "'); the format forbids holes");
            }
            if (t.begin() < cursor) {
                throw fail("empty tensor '" + t.name() + "' sits at offset " + (t.begin() - dataStart)
                        + ", inside tensor '" + previous.name() + "' (bytes " + relative(previous) + ")");
            }
            cursor = t.end();
            previous = t;
        }
        if (cursor != dataStart + dataSize) {
            throw fail("the data section holds " + dataSize + " bytes but the tensors end at byte "
                    + (cursor - dataStart) + "; the last " + (dataStart + dataSize - cursor)
                    + " bytes belong to no tensor (the file was appended to, or the header is wrong)");
        }
    }

    private String relative(TensorInfo t) {
        return "[" + (t.begin() - dataStart) + ", " + (t.end() - dataStart) + ")";
    }

    private SafetensorsDtype readDtype(JsonReader r, String where) throws IOException {
        if (r.peek() != JsonToken.STRING) {
            throw fail(where + " has a dtype that is not a string but " + describe(r.peek()));
        }
        String s = r.nextString();
        return SafetensorsDtype.parse(s).orElseThrow(() -> fail(where + " has dtype '" + s
                + "', which is not a safetensors dtype (known: " + String.join(", ", SafetensorsDtype.spellings()) + ")"));
    }

    private long[] readIntegers(JsonReader r, String where, String key) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw fail(where + " has a " + key + " that is not an array but " + describe(r.peek()));
        }
        List<Long> values = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) {
                throw fail(where + " has a " + key + " entry that is not a number but " + describe(r.peek()));
            }
            String literal = r.nextString();
            if (!NON_NEGATIVE_INTEGER.matcher(literal).matches()) {
                throw fail(where + " has " + key + " entry " + literal + "; it must be a non-negative integer");
            }
            try {
                values.add(Long.parseLong(literal));
            } catch (NumberFormatException e) {
                throw fail(where + " has " + key + " entry " + literal + ", too large for a file offset or size");
            }
        }
        r.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private void requireFirst(boolean first, String where, String key) {
        if (!first) {
            throw fail(where + " gives '" + key + "' twice");
        }
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case BEGIN_OBJECT -> "an object";
            case BEGIN_ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> t.toString();
        };
    }

    /** Gson's message without its troubleshooting link and strictness advice. */
    private static String jsonMessage(IOException e) {
        String m = String.valueOf(e.getMessage());
        int see = m.indexOf("\nSee ");
        if (see >= 0) {
            m = m.substring(0, see);
        }
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
    }

    private ModelLoadException fail(String reason) {
        return new ModelLoadException(file, reason);
    }
}
