package dev.retention.model.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * glibc's allocator as Retention sets it when libtorch starts: blocks of the threshold and above are mapped on
 * their own (given back on free), and the heaps' free pages go back to the system after a batch. Each case runs
 * in a fresh JVM (the setting is per process), with the C library itself as the witness: the flag glibc keeps
 * in a block's header says whether it was mapped, and {@code /proc/self/status} says what is resident.
 */
class NativeHeapTest {

    @BeforeAll
    static void glibc() {
        // the project's CI runs on glibc; elsewhere nothing is set (EngineThreadsTest checks the line says nothing)
        assumeTrue(NativeHeap.available(), "glibc's mallopt and malloc_trim");
    }

    @Test
    void withoutRetentionGlibcKeepsAMediumBlockInItsHeapOnceALargeOneWasFreed() throws Exception {
        // the control: glibc's own threshold follows the largest freed mapping, so the next 6 MiB block is a
        // heap block that free() keeps
        ProbeJvm.Result r = probe(List.of(), "mapped", "no-engine");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("6 MiB block mapped: false");
    }

    @Test
    void afterTheEngineStartsABlockOfFourMibOrMoreIsMappedOnItsOwn() throws Exception {
        ProbeJvm.Result r = probe(List.of(), "mapped", "engine");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: ")))
                .singleElement().asString().endsWith(", OMP_WAIT_POLICY=PASSIVE, malloc mmap threshold 4 MiB");
        assertThat(r.stdout()).contains("6 MiB block mapped: true").contains("3 MiB block mapped: false");
    }

    @Test
    void aThresholdFromTheEnvironmentIsKeptAndSaid() throws Exception {
        ProbeJvm.Result r = probe(List.of("MALLOC_MMAP_THRESHOLD_=2097152"), "mapped", "engine");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: "))).singleElement().asString()
                .endsWith(", OMP_WAIT_POLICY=PASSIVE, MALLOC_MMAP_THRESHOLD_=2097152 (from the environment)");
        assertThat(r.stdout()).contains("6 MiB block mapped: true").contains("3 MiB block mapped: true"); // 2 MiB holds
    }

    @Test
    void aThresholdAmongGlibcTunablesIsKeptAndSaid() throws Exception {
        String tunables = "glibc.malloc.mmap_threshold=8388608";
        ProbeJvm.Result r = probe(List.of("GLIBC_TUNABLES=" + tunables), "mapped", "engine");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: "))).singleElement().asString()
                .endsWith(", OMP_WAIT_POLICY=PASSIVE, GLIBC_TUNABLES=" + tunables + " (from the environment)");
        assertThat(r.stdout()).contains("6 MiB block mapped: false"); // 8 MiB holds
    }

    @Test
    void releaseGivesTheFreePagesOfEveryHeapBackToTheSystem() throws Exception {
        ProbeJvm.Result r = probe(List.of(), "release", "engine");
        assertThat(r.exit()).as(r.stderr()).isZero();
        // 64 MiB of 1 MiB blocks written on another thread, freed below a live block: glibc keeps them resident
        // until release()
        long kept = value(r.stdout(), "resident after free, MiB: ");
        long released = value(r.stdout(), "resident after release, MiB: ");
        long before = value(r.stdout(), "resident before, MiB: ");
        assertThat(kept - before).as(r.stdout()).isGreaterThanOrEqualTo(48);
        assertThat(kept - released).as(r.stdout()).isGreaterThanOrEqualTo(48);
    }

    private static long value(String stdout, String prefix) {
        return stdout.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' in: " + stdout));
    }

    private static ProbeJvm.Result probe(List<String> env, String... args) throws IOException, InterruptedException {
        return ProbeJvm.run(Probe.class, env, List.of("-Dretention.threads=1"), List.of(args));
    }

    /** {@code mapped|release engine|no-engine}: allocates through glibc and reports what it did. */
    static final class Probe {
        private Probe() {
        }

        /** glibc's allocator. */
        interface LibC extends Library {
            Pointer malloc(long size);

            void free(Pointer p);
        }

        private static final LibC C = Native.load("c", LibC.class);

        public static void main(String[] args) throws Exception {
            if (args[1].equals("engine")) {
                EngineThreads.pytorch();
            }
            if (args[0].equals("mapped")) {
                C.free(C.malloc(24L << 20)); // a large mapped block freed: glibc's own threshold rises to 24 MiB
                for (int mib : new int[] {6, 3}) {
                    Pointer p = C.malloc((long) mib << 20);
                    System.out.println(mib + " MiB block mapped: " + mapped(p));
                    C.free(p);
                }
            } else {
                System.out.println("resident before, MiB: " + residentMib());
                Pointer[] live = new Pointer[1];
                Thread t = new Thread(() -> {
                    List<Pointer> blocks = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        Pointer p = C.malloc(1L << 20);
                        p.setMemory(0, 1L << 20, (byte) 1);
                        blocks.add(p);
                    }
                    live[0] = C.malloc(4096); // above the freed blocks: the heap cannot simply shrink from its top
                    blocks.forEach(C::free);
                });
                t.start();
                t.join();
                System.out.println("resident after free, MiB: " + residentMib());
                NativeHeap.release();
                System.out.println("resident after release, MiB: " + residentMib());
                C.free(live[0]);
            }
        }

        /** glibc keeps a block's size just before it; bit 1 of that word (IS_MMAPPED) marks a mapping of its own. */
        private static boolean mapped(Pointer p) {
            return (p.getLong(-8) & 2) != 0;
        }

        private static long residentMib() throws IOException {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            throw new IllegalStateException("no RssAnon in /proc/self/status");
        }
    }
}
