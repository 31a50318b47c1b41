package dev.retention.suite;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lines of a suite file, decoded strictly as UTF-8: a byte-order mark, a UTF-16 or UTF-32 file
 * and any byte sequence that is not UTF-8 are refused with the line (and byte) at fault instead of
 * being read as replacement characters that would silently change prompts and answers.
 */
final class SuiteText {

    private static final String SAVE = "save it as UTF-8 without a byte-order mark";

    private SuiteText() {
    }

    /** Splits at {@code \n}, {@code \r\n} or {@code \r}, as {@code BufferedReader.readLine} does. */
    static List<String> lines(byte[] bytes, String source) {
        checkEncoding(bytes, source);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        int lineNo = 1;
        for (int i = 0; i <= bytes.length; i++) {
            boolean end = i == bytes.length;
            if (end || bytes[i] == '\n' || bytes[i] == '\r') {
                if (!end || i > start) {
                    lines.add(decode(utf8, bytes, start, i, source, lineNo));
                }
                if (!end && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
                lineNo++;
            }
        }
        return lines;
    }

    private static void checkEncoding(byte[] b, String source) {
        if (startsWith(b, 0x00, 0x00, 0xFE, 0xFF) || startsWith(b, 0xFF, 0xFE, 0x00, 0x00)) {
            throw new SuiteFormatException(source, 1, "the file is UTF-32 (it starts with a UTF-32 byte-order mark); "
                    + "suites are read as UTF-8: " + SAVE);
        }
        if (startsWith(b, 0xFE, 0xFF) || startsWith(b, 0xFF, 0xFE)) {
            throw new SuiteFormatException(source, 1, "the file is UTF-16 (it starts with a UTF-16 "
                    + (b[0] == (byte) 0xFE ? "big" : "little") + "-endian byte-order mark); suites are read as UTF-8: "
                    + SAVE);
        }
        if (startsWith(b, 0xEF, 0xBB, 0xBF)) {
            throw new SuiteFormatException(source, 1, "the file starts with a UTF-8 byte-order mark (EF BB BF), which "
                    + "is not part of JSON Lines; " + SAVE);
        }
        // JSON text is ASCII at its structural characters, so UTF-16 without a mark shows NUL bytes next
        // to them: "{" is 7B 00 (little-endian) or 00 7B (big-endian). A NUL byte is never valid in a suite.
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                String guess = b.length >= 2 && b[0] != 0 && b[1] == 0 ? "UTF-16 little-endian"
                        : b.length >= 2 && b[0] == 0 && b[1] != 0 ? "UTF-16 big-endian" : null;
                throw new SuiteFormatException(source, lineOf(b, i), guess != null
                        ? "the file looks like " + guess + " without a byte-order mark (NUL bytes between the "
                        + "characters); suites are read as UTF-8: " + SAVE
                        : "NUL byte at byte offset " + i + " of the file; a suite is UTF-8 text: " + SAVE);
            }
        }
    }

    private static String decode(CharsetDecoder utf8, byte[] b, int from, int to, String source, int lineNo) {
        try {
            return utf8.reset().decode(ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            int bad = firstInvalid(b, from, to);
            StringBuilder hex = new StringBuilder();
            for (int i = bad; i < Math.min(to, bad + 4); i++) {
                hex.append(String.format(Locale.ROOT, "%s%02X", hex.length() == 0 ? "" : " ", b[i] & 0xFF));
            }
            throw new SuiteFormatException(source, lineNo, "bytes that are not valid UTF-8 at column "
                    + (bad - from + 1) + " (byte offset " + bad + " of the file: " + hex + "), e.g. a file saved as "
                    + "Latin-1 or Windows-1252; " + SAVE);
        }
    }

    /** The offset of the first byte that does not start a well-formed UTF-8 sequence. */
    private static int firstInvalid(byte[] b, int from, int to) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from + 1);
        utf8.decode(in, out, true);
        return in.position();
    }

    private static int lineOf(byte[] b, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (b[i] == '\n' || (b[i] == '\r' && (i + 1 >= b.length || b[i + 1] != '\n'))) {
                line++;
            }
        }
        return line;
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
