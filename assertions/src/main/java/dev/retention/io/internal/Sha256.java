package dev.retention.io.internal;

import org.apiguardian.api.API;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * The one way Retention hashes content: SHA-256, written as lower-case hex. Model fingerprints, suite
 * hashes, scoring configurations, scorecard keys and checksums, and chat templates all go through it.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class Sha256 {

    private Sha256() {
    }

    /**
     * A fresh SHA-256 digest, for content fed in parts; finish it with {@link #hex(MessageDigest)}.
     *
     * @return a new digest, not shared with any other caller
     * @throws IllegalStateException if the JDK offers no SHA-256 (every Java SE runtime must)
     */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * The digest of what {@code md} was fed, as lower-case hex (64 characters); resets {@code md}.
     *
     * @param md the digest fed the content, e.g. from {@link #digest()}
     * @return the hash as lower-case hex, two characters per byte (64 for a SHA-256 digest)
     */
    public static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * SHA-256 of {@code text} in UTF-8, as lower-case hex (64 characters).
     *
     * @param text the text to hash, encoded as UTF-8
     * @return the hash as 64 lower-case hex characters
     */
    public static String hex(String text) {
        return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
