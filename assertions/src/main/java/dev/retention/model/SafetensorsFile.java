package dev.retention.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * One safetensors file: the header is read and fully validated at {@link #open}; tensor bytes are
 * mapped only when asked for, range by range.
 *
 * <p>Tensor bytes handed to the engine are mapped {@link MapMode#PRIVATE} (copy-on-write): an
 * in-place write to a weight can neither change the file nor fault on a read-only page. Java
 * requires a channel open for writing to map privately (the file is never written); when the file
 * cannot be opened for writing (read-only file system, another owner), {@link #privatelyMappable()}
 * is false and callers must copy instead.
 */
final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final boolean privatelyMappable;
    private final long size;
    private final SafetensorsHeader header;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, boolean privatelyMappable, long size,
                            SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.privatelyMappable = privatelyMappable;
        this.size = size;
        this.header = header;
    }

    /** Opens {@code file} and validates its whole header. */
    static SafetensorsFile open(Path file) {
        return open(file, true);
    }

    /**
     * As {@link #open(Path)}; with {@code tryPrivateMapping} false the file is opened read-only
     * and never mapped privately (tests use this for the copy path of read-only files).
     */
    static SafetensorsFile open(Path file, boolean tryPrivateMapping) {
        Path p = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new ModelLoadException(p, Files.exists(p) ? "not a regular file" : "file does not exist");
        }
        FileChannel channel = null;
        boolean writable = false;
        if (tryPrivateMapping) {
            try {
                channel = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                writable = true;
            } catch (FileSystemException | UnsupportedOperationException | SecurityException e) {
                // read-only file or file system: fall back to a read-only channel and copies
            } catch (IOException e) {
                throw new ModelLoadException(p, "cannot open: " + e.getMessage(), e);
            }
        }
        try {
            if (channel == null) {
                channel = FileChannel.open(p, StandardOpenOption.READ);
            }
            SafetensorsFile f = read(p, channel, writable);
            channel = null;
            return f;
        } catch (IOException e) {
            throw new ModelLoadException(p, "cannot read: " + e.getMessage(), e);
        } finally {
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    private static SafetensorsFile read(Path p, FileChannel channel, boolean writable) throws IOException {
        long size = channel.size();
        return new SafetensorsFile(p, channel, writable, size, readHeader(p, size, channel::read));
    }

    /** Reads bytes at a position, as {@link FileChannel#read(ByteBuffer, long)} does. */
    @FunctionalInterface
    interface Source {
        int read(ByteBuffer target, long position) throws IOException;
    }

    /**
     * Reads and validates the header of a file of {@code size} bytes named {@code p} (for messages)
     * from {@code source}; package-private so tests can feed it bytes without a file.
     */
    static SafetensorsHeader readHeader(Path p, long size, Source source) throws IOException {
        if (size < 8) {
            throw new ModelLoadException(p, "too short for a safetensors file (" + size
                    + " bytes; the format starts with an 8-byte header length)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(source, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new ModelLoadException(p, "header length " + Long.toUnsignedString(n) + " exceeds the "
                    + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit of the safetensors format; the file is "
                    + "corrupt or not safetensors");
        }
        if (n > size - 8) {
            throw new ModelLoadException(p, "header length " + n + " runs past the end of the file (" + size
                    + " bytes); the file is truncated or not safetensors");
        }
        ByteBuffer text = ByteBuffer.allocate((int) n);
        readFully(source, text, 8);
        return SafetensorsHeader.parse(p, text.array(), 8 + n, size - 8 - n);
    }

    Path path() {
        return path;
    }

    /** The {@code __metadata__} string map (empty when absent). */
    Map<String, String> metadata() {
        return header.metadata();
    }

    /** Tensor names, sorted. */
    Set<String> names() {
        return header.tensors().keySet();
    }

    SortedMap<String, TensorInfo> tensors() {
        return header.tensors();
    }

    Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(header.tensors().get(name));
    }

    /** The tensor's description; a {@link ModelLoadException} naming this file when it has no such tensor. */
    TensorInfo info(String name) {
        return find(name).orElseThrow(() -> new ModelLoadException(path, "no tensor '" + name + "' in this file ("
                + names().size() + " tensors)"));
    }

    /** Whether {@link #mapPrivate} is available (the file could be opened for writing). */
    boolean privatelyMappable() {
        return privatelyMappable;
    }

    /**
     * Maps exactly {@code [position, position + length)} copy-on-write. The buffer's base address is
     * the first byte of the range (DJL hands the base address, not the position, to libtorch).
     */
    ByteBuffer mapPrivate(long position, long length) {
        if (!privatelyMappable) {
            throw new IllegalStateException(path + " is open read-only; it cannot be mapped privately");
        }
        return map(MapMode.PRIVATE, position, length);
    }

    /** Maps {@code [position, position + length)} read-only, for reading on the Java side. */
    ByteBuffer mapReadOnly(long position, long length) {
        return map(MapMode.READ_ONLY, position, length);
    }

    private ByteBuffer map(MapMode mode, long position, long length) {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a mapping holds at most " + Integer.MAX_VALUE + " bytes, not " + length);
        }
        try {
            // A mapping past the end of a file that shrank since open would fault (SIGBUS) on access.
            long now = channel.size();
            if (now != size) {
                throw new ModelLoadException(path, "the file changed size since it was opened (" + size + " then, "
                        + now + " now); reopen the checkpoint");
            }
            return channel.map(mode, position, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot map bytes [" + position + ", " + (position + length) + "): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
    }

    private static void readFully(Source source, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = source.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written; a failed close of a reader loses nothing
        }
    }
}
