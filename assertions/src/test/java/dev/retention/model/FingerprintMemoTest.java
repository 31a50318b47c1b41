package dev.retention.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-file hash memo never serves a stale hash, even when size and modification time are restored. */
class FingerprintMemoTest {

    @TempDir
    Path dir;

    @Test
    void aFileRewrittenInPlaceWithItsSizeAndModificationTimeRestoredIsHashedAgain() throws IOException {
        Path f = dir.resolve("model.safetensors");
        Files.writeString(f, "weights version A", StandardCharsets.UTF_8);
        FileTime mtime = Files.getLastModifiedTime(f);
        String before = Fingerprint.of(List.of(f));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(16);
            raf.write('B'); // same size, same inode
        }
        Files.setLastModifiedTime(f, mtime);
        assertThat(Files.size(f)).isEqualTo(17);
        assertThat(Fingerprint.of(List.of(f))).isNotEqualTo(before);
    }

    @Test
    void aFileReplacedByARenameWithItsSizeAndModificationTimeRestoredIsHashedAgain() throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"v\": 1}", StandardCharsets.UTF_8);
        FileTime mtime = Files.getLastModifiedTime(f);
        String before = Fingerprint.of(List.of(f));
        Path tmp = dir.resolve("tokenizer.json.tmp");
        Files.writeString(tmp, "{\"v\": 2}", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(tmp, mtime);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Fingerprint.of(List.of(f))).isNotEqualTo(before);
    }

    @Test
    void anUnchangedFileKeepsItsFingerprint() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{}", StandardCharsets.UTF_8);
        assertThat(Fingerprint.of(List.of(f))).isEqualTo(Fingerprint.of(List.of(f)));
    }
}
