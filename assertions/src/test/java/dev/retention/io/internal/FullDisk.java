package dev.retention.io.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file system that behaves like the default one over a real directory until it runs out of space:
 * after {@link #freeBytes(long)}, writes fail with "No space left on device" once that many bytes
 * have been written (the bytes before the limit do reach the file, as on a real full disk).
 * {@link Path#toFile()} is unsupported, so code that bypasses the {@code Files} API fails here.
 */
final class FullDisk extends FileSystem {

    private final FileSystem real;
    private final Provider provider = new Provider();
    private final AtomicLong free = new AtomicLong(Long.MAX_VALUE);

    private FullDisk(FileSystem real) {
        this.real = real;
    }

    /** A full-disk file system over the default one, and {@code dir} as a path on it. */
    static Path over(Path dir) {
        return new FullDisk(dir.getFileSystem()).wrap(dir);
    }

    static FullDisk of(Path p) {
        return (FullDisk) p.getFileSystem();
    }

    /** From now on, at most {@code bytes} more bytes can be written. */
    FullDisk freeBytes(long bytes) {
        free.set(bytes);
        return this;
    }

    Path wrap(Path p) {
        return p == null ? null : new FakePath(this, p);
    }

    static Path unwrap(Path p) {
        if (p instanceof FakePath f) {
            return f.delegate;
        }
        throw new ProviderMismatchException("not a FullDisk path: " + p);
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return real.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return () -> {
            Iterator<Path> it = real.getRootDirectories().iterator();
            return new Iterator<>() {
                public boolean hasNext() {
                    return it.hasNext();
                }

                public Path next() {
                    return wrap(it.next());
                }
            };
        };
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return real.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return real.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(real.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher m = real.getPathMatcher(syntaxAndPattern);
        return p -> m.matches(unwrap(p));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return real.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException();
    }

    /** Counts written bytes against the free space. */
    private final class LimitedChannel implements SeekableByteChannel {
        private final SeekableByteChannel out;

        LimitedChannel(SeekableByteChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            long left = free.get();
            if (src.remaining() <= left) {
                int n = out.write(src);
                free.addAndGet(-n);
                return n;
            }
            ByteBuffer part = src.slice().limit((int) left);
            out.write(part);
            src.position(src.position() + (int) left);
            free.set(0);
            throw new IOException("No space left on device");
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return out.read(dst);
        }

        @Override
        public long position() throws IOException {
            return out.position();
        }

        @Override
        public SeekableByteChannel position(long p) throws IOException {
            out.position(p);
            return this;
        }

        @Override
        public long size() throws IOException {
            return out.size();
        }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            out.truncate(size);
            return this;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    private final class Provider extends FileSystemProvider {
        private FileSystemProvider realProvider() {
            return real.provider();
        }

        @Override
        public String getScheme() {
            return "fulldisk";
        }

        @Override
        public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileSystem getFileSystem(URI uri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path getPath(URI uri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                                                  FileAttribute<?>... attrs) throws IOException {
            SeekableByteChannel ch = realProvider().newByteChannel(unwrap(path), options, attrs);
            boolean writing = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
            return writing ? new LimitedChannel(ch) : ch;
        }

        @Override
        public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
                throws IOException {
            DirectoryStream<Path> ds = realProvider().newDirectoryStream(unwrap(dir), p -> filter.accept(wrap(p)));
            return new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    Iterator<Path> it = ds.iterator();
                    return new Iterator<>() {
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        public Path next() {
                            return wrap(it.next());
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    ds.close();
                }
            };
        }

        @Override
        public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
            realProvider().createDirectory(unwrap(dir), attrs);
        }

        @Override
        public void delete(Path path) throws IOException {
            realProvider().delete(unwrap(path));
        }

        @Override
        public void copy(Path source, Path target, CopyOption... options) throws IOException {
            realProvider().copy(unwrap(source), unwrap(target), options);
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            realProvider().move(unwrap(source), unwrap(target), options);
        }

        @Override
        public boolean isSameFile(Path a, Path b) throws IOException {
            return realProvider().isSameFile(unwrap(a), unwrap(b));
        }

        @Override
        public boolean isHidden(Path path) throws IOException {
            return realProvider().isHidden(unwrap(path));
        }

        @Override
        public FileStore getFileStore(Path path) throws IOException {
            return realProvider().getFileStore(unwrap(path));
        }

        @Override
        public void checkAccess(Path path, AccessMode... modes) throws IOException {
            realProvider().checkAccess(unwrap(path), modes);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
            return realProvider().getFileAttributeView(unwrap(path), type, options);
        }

        @Override
        public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
                throws IOException {
            return realProvider().readAttributes(unwrap(path), type, options);
        }

        @Override
        public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
                throws IOException {
            return realProvider().readAttributes(unwrap(path), attributes, options);
        }

        @Override
        public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
            realProvider().setAttribute(unwrap(path), attribute, value, options);
        }
    }

    /** A path of the real file system, seen through {@link FullDisk}. */
    private static final class FakePath implements Path {
        private final FullDisk fs;
        private final Path delegate;

        FakePath(FullDisk fs, Path delegate) {
            this.fs = fs;
            this.delegate = delegate;
        }

        @Override
        public FileSystem getFileSystem() {
            return fs;
        }

        @Override
        public boolean isAbsolute() {
            return delegate.isAbsolute();
        }

        @Override
        public Path getRoot() {
            return fs.wrap(delegate.getRoot());
        }

        @Override
        public Path getFileName() {
            return fs.wrap(delegate.getFileName());
        }

        @Override
        public Path getParent() {
            return fs.wrap(delegate.getParent());
        }

        @Override
        public int getNameCount() {
            return delegate.getNameCount();
        }

        @Override
        public Path getName(int index) {
            return fs.wrap(delegate.getName(index));
        }

        @Override
        public Path subpath(int beginIndex, int endIndex) {
            return fs.wrap(delegate.subpath(beginIndex, endIndex));
        }

        @Override
        public boolean startsWith(Path other) {
            return delegate.startsWith(unwrap(other));
        }

        @Override
        public boolean endsWith(Path other) {
            return delegate.endsWith(unwrap(other));
        }

        @Override
        public Path normalize() {
            return fs.wrap(delegate.normalize());
        }

        @Override
        public Path resolve(Path other) {
            return fs.wrap(delegate.resolve(unwrap(other)));
        }

        @Override
        public Path resolve(String other) {
            return fs.wrap(delegate.resolve(other));
        }

        @Override
        public Path relativize(Path other) {
            return fs.wrap(delegate.relativize(unwrap(other)));
        }

        @Override
        public URI toUri() {
            return delegate.toUri();
        }

        @Override
        public Path toAbsolutePath() {
            return fs.wrap(delegate.toAbsolutePath());
        }

        @Override
        public Path toRealPath(LinkOption... options) throws IOException {
            return fs.wrap(delegate.toRealPath(options));
        }

        @Override
        public java.io.File toFile() {
            throw new UnsupportedOperationException("FullDisk paths have no java.io.File; use the Files API");
        }

        @Override
        public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int compareTo(Path other) {
            return delegate.compareTo(unwrap(other));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FakePath f && f.fs == fs && f.delegate.equals(delegate);
        }

        @Override
        public int hashCode() {
            return delegate.hashCode();
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
