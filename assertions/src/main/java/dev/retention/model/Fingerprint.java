package dev.retention.model;

import dev.retention.io.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 over the bytes of every file that decides a model's scores (weights, tokenizer and
 * configs): each file contributes its name, its length and its content, in a fixed order. Paths are
 * not part of it, so a copied model keeps its fingerprint. Results are memoised per file path,
 * size and modification time.
 */
final class Fingerprint {

    private record Key(Path path, long size, FileTime modified) {
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
            Key key = new Key(f.toAbsolutePath().normalize(), Files.size(f), Files.getLastModifiedTime(f));
            return FILE_HASHES.computeIfAbsent(key, k -> hashContent(f));
        } catch (IOException e) {
            throw new ModelLoadException(f, "cannot read for fingerprinting: " + e.getMessage(), e);
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
