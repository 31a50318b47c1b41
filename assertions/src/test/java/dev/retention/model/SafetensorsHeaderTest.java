package dev.retention.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static dev.retention.model.SafetensorsWriter.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every header is validated in full at open; each refusal names the file, the tensor and the fault. */
class SafetensorsHeaderTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    /** Opens a file whose header is {@code header} and whose data section is {@code dataBytes} zero bytes. */
    private void assertRefused(String header, int dataBytes, String reason) {
        Path f = SafetensorsWriter.writeRaw(file(), header, new byte[dataBytes]);
        assertThatThrownBy(() -> SafetensorsFile.open(f))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": " + reason)
                .extracting(e -> ((ModelLoadException) e).path()).isEqualTo(f);
    }

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void aValidHeaderGivesSortedNamesMetadataAndAbsoluteByteRanges() {
        Path f = new SafetensorsWriter().metadata("format", "pt")
                .f32("b.weight", shape(2, 3), 1, 2, 3, 4, 5, 6)
                .bf16("a.weight", shape(2), (short) 0x3f80, (short) 0x4000)
                .write(file());
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.names()).containsExactly("a.weight", "b.weight");
            assertThat(s.metadata()).isEqualTo(Map.of("format", "pt"));
            // header {"__metadata__":...} padded to a multiple of 8; b.weight's 24 bytes come first
            long dataStart = 8 + new SafetensorsWriter().metadata("format", "pt")
                    .f32("b.weight", shape(2, 3), 1, 2, 3, 4, 5, 6)
                    .bf16("a.weight", shape(2), (short) 0x3f80, (short) 0x4000).header().length();
            dataStart = 8 + (dataStart - 8 + 7) / 8 * 8;
            assertThat(s.info("b.weight")).isEqualTo(new TensorInfo("b.weight", SafetensorsDtype.F32,
                    new long[] {2, 3}, f, dataStart, dataStart + 24));
            assertThat(s.info("a.weight").begin()).isEqualTo(dataStart + 24);
            assertThat(s.info("a.weight").byteCount()).isEqualTo(4);
            assertThatThrownBy(() -> s.info("c")).isInstanceOf(ModelLoadException.class)
                    .hasMessage(f + ": no tensor 'c' in this file (2 tensors)");
        }
    }

    @Test
    void aFileShorterThanTheLengthFieldIsRefused() {
        Path f = SafetensorsWriter.writeBytes(file(), new byte[] {1, 0, 0});
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": too short for a safetensors file (3 bytes; the format starts with an 8-byte "
                        + "header length)");
    }

    @Test
    void aHeaderLengthOverOneHundredMegabytesIsRefused() {
        Path f = SafetensorsWriter.writeBytes(file(), SafetensorsWriter.file(100_000_001L, "{}".getBytes(
                StandardCharsets.UTF_8), new byte[0]));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": header length 100000001 exceeds the 100000000-byte limit of the safetensors "
                        + "format; the file is corrupt or not safetensors");
        Path g = SafetensorsWriter.writeBytes(dir.resolve("g.safetensors"), SafetensorsWriter.file(-1L, new byte[0],
                new byte[0]));
        assertThatThrownBy(() -> SafetensorsFile.open(g)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("header length 18446744073709551615 exceeds the 100000000-byte limit");
    }

    @Test
    void aHeaderLengthPastTheEndOfTheFileIsRefused() {
        Path f = SafetensorsWriter.writeBytes(file(), SafetensorsWriter.file(64, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": header length 64 runs past the end of the file (10 bytes); the file is truncated "
                        + "or not safetensors");
    }

    @Test
    void aHeaderThatIsNotAJsonObjectIsRefused() {
        assertRefused("[1, 2]", 0, "the header must begin with '{' but begins with byte 0x5b; this is not a "
                + "safetensors file");
        assertRefused("{\"a\": ", 0, "the header is not valid JSON: End of input at line 1 column 9 path $.a");
        assertRefused("{} {}", 0, "the header is not valid JSON: malformed JSON at line 1 column 5 path $");
        assertRefused("{'a': 1}", 0, "the header is not valid JSON: malformed JSON at line 1 column 3 path $.");
    }

    @Test
    void anEmptyHeaderIsRefused() {
        Path f = SafetensorsWriter.writeBytes(file(), SafetensorsWriter.file(0, new byte[0], new byte[0]));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": the header must begin with '{' but begins with nothing (its length is 0); this is "
                        + "not a safetensors file");
    }

    @Test
    void aHeaderThatIsNotUtf8IsRefused() {
        byte[] h = "{\"\u00e9\":1}".getBytes(StandardCharsets.ISO_8859_1);
        Path f = SafetensorsWriter.writeBytes(file(), SafetensorsWriter.file(h.length, h, new byte[0]));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": the header is not valid UTF-8 (Input length = 1); the file is corrupt");
    }

    @Test
    void metadataMustBeAMapOfStrings() {
        assertRefused("{\"__metadata__\":{\"format\":1}}", 0,
                "__metadata__ entry 'format' must be a string, found a number (the format allows only string values "
                        + "there)");
        assertRefused("{\"__metadata__\":[\"pt\"]}", 0, "__metadata__ must be an object of strings, found an array");
        assertRefused("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "the header has two __metadata__ entries");
    }

    @Test
    void metadataIsOptional() {
        Path f = SafetensorsWriter.writeRaw(file(), "{" + tensor("w", "F32", "[1]", "[0,4]") + "}", new byte[4]);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.metadata()).isEmpty();
            assertThat(s.names()).containsExactly("w");
        }
    }

    @Test
    void eachTensorNeedsDtypeShapeAndOffsets() {
        assertRefused("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w' has no dtype (each tensor needs dtype, shape and data_offsets)");
        assertRefused("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                "tensor 'w' has no shape (each tensor needs dtype, shape and data_offsets)");
        assertRefused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
                "tensor 'w' has no data_offsets (each tensor needs dtype, shape and data_offsets)");
        assertRefused("{\"w\":[1]}", 0, "tensor 'w' must be an object with dtype, shape and data_offsets, found an array");
        assertRefused("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w' gives 'dtype' twice");
    }

    @Test
    void unknownDtypesAreRefusedByName() {
        assertRefused("{" + tensor("model.layers.0.qweight", "Q4_K", "[8]", "[0,4]") + "}", 4,
                "tensor 'model.layers.0.qweight' has dtype 'Q4_K', which is not a safetensors dtype (known: BOOL, F4, "
                        + "F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, "
                        + "BF16, I32, U32, F32, C64, F64, I64, U64)");
        assertRefused("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w' has a dtype that is not a string but a number");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[-1]     | tensor 'w' has shape entry -1; it must be a non-negative integer",
        "[1.5]    | tensor 'w' has shape entry 1.5; it must be a non-negative integer",
        "[1e0]    | tensor 'w' has shape entry 1e0; it must be a non-negative integer",
        "[\"1\"]  | tensor 'w' has a shape entry that is not a number but a string",
        "7        | tensor 'w' has a shape that is not an array but a number",
        "[99999999999999999999] | tensor 'w' has shape entry 99999999999999999999, too large for a file offset or size",
        "[4294967296,4294967296] | tensor 'w' has shape [4294967296, 4294967296], whose size overflows 64 bits",
    })
    void shapesMustBeArraysOfNonNegativeIntegers(String shape, String reason) {
        assertRefused("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}", 4, reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[0]       | tensor 'w' has data_offsets with 1 numbers; it needs [begin, end]",
        "[0,4,8]   | tensor 'w' has data_offsets with 3 numbers; it needs [begin, end]",
        "[4,0]     | tensor 'w' has data_offsets [4, 0] with begin after end",
        "[-4,0]    | tensor 'w' has data_offsets entry -4; it must be a non-negative integer",
        "[0,12]    | tensor 'w' has data_offsets [0, 12] but the data section holds only 8 bytes; the file is truncated or corrupt",
    })
    void offsetsMustBeAnOrderedPairInsideTheDataSection(String offsets, String reason) {
        assertRefused("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", 8, reason);
    }

    @Test
    void theByteRangeMustMatchShapeTimesDtypeSizeAndTheMessageGivesBoth() {
        assertRefused("{" + tensor("w", "F32", "[2,3]", "[0,20]") + "}", 20,
                "tensor 'w' (F32 [2, 3]) needs 24 bytes but its data_offsets [0, 20] hold 20");
        assertRefused("{" + tensor("w", "BF16", "[3]", "[0,8]") + "}", 8,
                "tensor 'w' (BF16 [3]) needs 6 bytes but its data_offsets [0, 8] hold 8");
    }

    @Test
    void packedDtypesMustFillWholeBytes() {
        assertRefused("{" + tensor("w", "F4", "[3]", "[0,2]") + "}", 2,
                "tensor 'w' (F4 [3]) has 3 elements of 4 bits, which do not fill whole bytes");
        Path f = SafetensorsWriter.writeRaw(file(), "{" + tensor("w", "F4", "[4]", "[0,2]") + "}", new byte[2]);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.info("w").dtype()).isEqualTo(SafetensorsDtype.F4);
        }
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() {
        assertRefused("{" + tensor("a", "F32", "[4]", "[0,16]") + "," + tensor("b", "F32", "[2]", "[8,16]") + "}", 16,
                "tensors 'a' (bytes [0, 16)) and 'b' (bytes [8, 16)) overlap");
        assertRefused("{" + tensor("a", "F32", "[4]", "[4,20]") + "," + tensor("b", "F32", "[2]", "[0,8]") + "}", 20,
                "tensors 'b' (bytes [0, 8)) and 'a' (bytes [4, 20)) overlap");
    }

    @Test
    void duplicateTensorNamesAreRefused() {
        assertRefused("{" + tensor("w", "F32", "[1]", "[0,4]") + "," + tensor("w", "F32", "[1]", "[4,8]") + "}", 8,
                "tensor 'w' appears twice in the header (duplicate names are not allowed; which one would be meant?)");
    }

    @Test
    void holesAndTrailingBytesInTheDataSectionAreRefused() {
        assertRefused("{" + tensor("a", "F32", "[1]", "[0,4]") + "," + tensor("b", "F32", "[1]", "[8,12]") + "}", 12,
                "bytes [4, 8) of the data section belong to no tensor (before 'b'); the format forbids holes");
        assertRefused("{" + tensor("a", "F32", "[1]", "[0,4]") + "}", 6,
                "the data section holds 6 bytes but the tensors end at byte 4; the last 2 bytes belong to no tensor "
                        + "(the file was appended to, or the header is wrong)");
        assertRefused("{" + tensor("a", "F32", "[4]", "[0,16]") + "," + tensor("e", "F32", "[0]", "[8,8]") + "}", 16,
                "empty tensor 'e' sits at offset 8, inside tensor 'a' (bytes [0, 16))");
    }

    @Test
    void emptyTensorsScalarsAndUnknownKeysAreAccepted() {
        String header = "{" + tensor("a", "F32", "[]", "[0,4]") + "," + tensor("e", "F32", "[0,4]", "[4,4]") + ","
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[4,6],\"note\":{\"x\":[1,2]}}}";
        Path f = SafetensorsWriter.writeRaw(file(), header, new byte[6]);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.info("a").shape()).isEmpty();
            assertThat(s.info("a").elementCount()).isEqualTo(1);
            assertThat(s.info("e").elementCount()).isZero();
            assertThat(s.info("b").byteCount()).isEqualTo(2);
        }
    }

    @Test
    void integerAndQuantizedDtypesAreAcceptedAtOpen() {
        Path f = new SafetensorsWriter().tensor("q", "I8", shape(4), new byte[4])
                .tensor("s", "F8_E4M3", shape(2), new byte[2]).f32("w", shape(1), 1f).write(file());
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertThat(s.names()).containsExactly("q", "s", "w");
        }
    }

    @Test
    void aMissingFileIsNamed() {
        Path f = dir.resolve("nothing.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(ModelLoadException.class)
                .hasMessage(f + ": file does not exist");
        assertThatThrownBy(() -> SafetensorsFile.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage(dir + ": not a regular file");
    }
}
