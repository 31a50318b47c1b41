package dev.retention.model.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.apiguardian.api.API;

import java.util.Map;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Makes the C heap give the memory of freed tensors back to the system, so a run's peak RSS is its weights
 * and live activations rather than what the allocator keeps.
 *
 * <p>libtorch allocates every CPU tensor with {@code malloc}. glibc serves a block above its mmap threshold
 * with a mapping of its own, unmapped on {@code free}; a smaller one comes from a heap per thread that keeps
 * freed memory for reuse and fragments. The threshold starts at 128 KiB but follows the largest mapped block
 * freed so far, up to 32 MiB, so after the first large freed tensor nearly every activation of a forward pass
 * lands in the stream threads' heaps. Retention therefore fixes the threshold at 4 MiB
 * ({@code mallopt(M_MMAP_THRESHOLD)}, before libtorch loads) unless the environment already chooses one
 * (glibc's {@code MALLOC_MMAP_THRESHOLD_}, or {@code GLIBC_TUNABLES} naming
 * {@code glibc.malloc.mmap_threshold}), and returns the heaps' free pages after each batch
 * ({@code malloc_trim}). Nothing is set where the C library lacks either (macOS, Windows). An allocator
 * preloaded in glibc's place (jemalloc, tcmalloc through {@code LD_PRELOAD}) serves the tensors instead, and
 * glibc's settings then change nothing.
 */
@API(status = INTERNAL, since = "0.1")
public final class NativeHeap {

    /**
     * The fixed mmap threshold. Measured on SmolLM2-135M, the peer benchmark's log-likelihood requests, 2 streams,
     * one run each before activations were chunked: peak RSS 1114-1214 MB with glibc's own threshold, 1038-1045
     * at 4 MiB (18.5 s against 17.8-18.1), 1037 at 2 MiB (19.6 s), 1012 at 1 MiB (20.4 s).
     */
    static final int THRESHOLD_MIB = 4;

    /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;

    private static volatile LibC libc;

    private NativeHeap() {
    }

    /** The C library's allocator controls (glibc). */
    interface LibC extends Library {
        int mallopt(int param, int value);

        int malloc_trim(long pad);
    }

    /**
     * Fixes the mmap threshold unless {@code env} chooses one, and says what holds.
     *
     * @param env the process environment
     * @return the note printed with the thread setting, or {@code null} when the C library has no {@code mallopt}
     */
    static String configure(Map<String, String> env) {
        LibC c = glibc();
        if (c == null) {
            return null;
        }
        String given = env.get("MALLOC_MMAP_THRESHOLD_");
        String tunables = env.get("GLIBC_TUNABLES");
        if (given != null) {
            return "MALLOC_MMAP_THRESHOLD_=" + given + " (from the environment)";
        }
        if (tunables != null && tunables.contains("glibc.malloc.mmap_threshold")) {
            return "GLIBC_TUNABLES=" + tunables + " (from the environment)";
        }
        return c.mallopt(M_MMAP_THRESHOLD, THRESHOLD_MIB << 20) == 1 ? "malloc mmap threshold " + THRESHOLD_MIB + " MiB"
                : "malloc mmap threshold unchanged (mallopt refused it)";
    }

    /** Returns the free pages of every C heap to the system; nothing without glibc. Called after each batch. */
    public static void release() {
        LibC c = libc;
        if (c != null) {
            c.malloc_trim(0);
        }
    }

    /**
     * Whether the C library has glibc's {@code mallopt} and {@code malloc_trim} (what {@link #configure} and
     * {@link #release} need).
     *
     * @return true with glibc
     */
    static boolean available() {
        return glibc() != null;
    }

    private static LibC glibc() {
        try {
            NativeLibrary c = NativeLibrary.getInstance("c");
            c.getFunction("mallopt"); // both present, or neither is used: getFunction fails on a missing symbol
            c.getFunction("malloc_trim");
            libc = Native.load("c", LibC.class);
            return libc;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null; // not glibc's allocator (macOS, Windows): its own policy holds
        }
    }
}
