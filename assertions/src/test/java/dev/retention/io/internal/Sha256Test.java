package dev.retention.io.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.assertj.core.api.Assertions.assertThat;

class Sha256Test {

    @Test
    void hashesUtf8TextToTheKnownLowerCaseHexDigest() {
        // FIPS 180-2, appendix B.1
        assertThat(Sha256.hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Sha256.hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void aDigestFedInPartsGivesTheSameHexAsTheWholeText() {
        MessageDigest md = Sha256.digest();
        md.update("a".getBytes(StandardCharsets.UTF_8));
        md.update("bc".getBytes(StandardCharsets.UTF_8));
        assertThat(Sha256.hex(md)).isEqualTo(Sha256.hex("abc"));
    }
}
