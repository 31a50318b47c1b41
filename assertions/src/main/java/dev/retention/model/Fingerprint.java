package dev.retention.model;

import dev.retention.io.internal.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 over the bytes of every file that decides a model's scores (weights, tokenizer and
 * configs): each file contributes its name, its length and its content, in a fixed order. Paths are
 * not part of it, so a copied model keeps its fingerprint. Results are memoised per file path,
 * size, modification time, file identity (inode) and, where the file system reports it, the
 * status-change time: restoring size and modification time after rewriting a file (in place or by a
 * rename) still changes the inode or the change time, which no user can set, so the file is hashed
 * again.
 */
final class Fingerprint {

    private record Key(Path path, long size, FileTime modified, Object fileKey, Object changed) {
    }

    private static final Map<Key, byte[]> FILE_HASHES = new ConcurrentHashMap<>();

    private Fingerprint() {
    }

    static String of(List<Path> files) {
        MessageDigest all = Sha256.digest();
        for (Path f : files) {
            all.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(fileHash(f));
        }
        return Sha256.hex(all);
    }

    /** SHA-256 of two fingerprints, for a model made of two parts (a base and an adapter). */
    static String combine(String first, String second) {
        MessageDigest md = Sha256.digest();
        md.update(first.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(second.getBytes(StandardCharsets.UTF_8));
        return Sha256.hex(md);
    }

    private static byte[] fileHash(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            Key key = new Key(f.toAbsolutePath().normalize(), a.size(), a.lastModifiedTime(), a.fileKey(), changeTime(f));
            return FILE_HASHES.computeIfAbsent(key, k -> hashContent(f));
        } catch (IOException e) {
            throw new ModelLoadException(f, "cannot read for fingerprinting: " + e.getMessage(), e);
        }
    }

    /** The status-change time ({@code ctime}) on POSIX file systems that report it, else null. */
    private static Object changeTime(Path f) {
        try {
            return Files.getAttribute(f, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private static byte[] hashContent(Path f) {
        MessageDigest md = Sha256.digest();
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 20];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                total += n;
            }
            md.update(Long.toString(total).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelLoadException(f, "cannot read for fingerprinting: " + e.getMessage(), e);
        }
        return md.digest();
    }
}
