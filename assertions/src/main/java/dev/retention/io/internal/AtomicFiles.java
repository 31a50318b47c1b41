package dev.retention.io.internal;

import org.apiguardian.api.API;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * The one way Retention writes a file: the content goes to a temporary file in the same directory,
 * is flushed to the device, and is then moved over the target in one atomic rename. A reader sees
 * the old file or the new one, never half of either; a failed write (a full disk, an I/O error)
 * leaves the previous file untouched and removes the temporary file.
 *
 * <p>Works on any {@link Path} (only the {@link Files} API is used), so it can be tested on a
 * file system that fails on purpose.
 *
 * <p>The temporary file is named {@code .<name>.<random hex>.tmp}, is always created new (never another
 * writer's), and gets the file system's default permissions. The content is forced to the device when
 * the file system gives a {@link FileChannel} (the default one does), and the directory after the rename
 * where the platform can open a directory. Where the file system refuses an atomic move, a plain rename
 * within the directory replaces the target instead.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} as UTF-8 to {@code file}, creating its directory if needed, in the way
     * {@link #write(Path, byte[])} does.
     *
     * @param file the file to create or replace; a relative path resolves against the working directory
     * @param content the text to write
     * @throws IOException when {@code file} has no parent directory, or the directory cannot be created,
     *     or the content cannot be written or moved into place; the previous file is then untouched
     */
    public static void writeString(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code content} to {@code file}, creating its directory if needed: through a temporary file
     * in that directory, renamed over {@code file} in one step (see the class comment).
     *
     * @param file the file to create or replace; a relative path resolves against the working directory
     * @param content the bytes to write (not modified)
     * @throws IOException when {@code file} has no parent directory (the message names it), or the directory
     *     cannot be created, or the content cannot be written or moved into place. The previous file is then
     *     untouched and the temporary file removed; a failure to remove it is added as a suppressed exception
     */
    public static void write(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null) {
            throw new IOException(file + ": has no parent directory to write a temporary file into");
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        try {
            // CREATE_NEW: never reuse another writer's temporary file; default permissions (umask), unlike
            // Files.createTempFile's owner-only ones, so a report stays readable for CI.
            try (SeekableByteChannel out = Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                if (out instanceof FileChannel fc) {
                    fc.force(true);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Same directory, so same file store: a plain rename, which replaces the target in one step
                // on every local file system.
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Forces the directory's entries to the device, so that the rename survives a crash, where the platform
     * can open a directory (Linux and macOS can; Windows and some file systems cannot, and there this does
     * nothing: the file's own content was forced before the rename).
     */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported here; see above
        }
    }
}
