package dev.retention.model.internal;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Starts DJL's PyTorch engine once per JVM with Retention's thread settings, and says which.
 *
 * <p>libtorch runs each op on an OpenMP team of intra-op threads. By default OpenMP threads that
 * wait for work spin on the CPU; on a machine whose cores are busy (a CI runner, parallel Surefire
 * forks) the spinning threads steal the cores the working thread needs, and a forward pass gets
 * an order of magnitude slower (measured on 2 cores at load 8: 271 s with 2 spinning threads, 27 s
 * with 2 passive ones, 20 s with 1 thread). So Retention asks OpenMP to sleep while waiting
 * ({@code OMP_WAIT_POLICY=PASSIVE}, set in the process environment before libtorch loads, unless the
 * environment already sets {@code OMP_WAIT_POLICY} or GNU OpenMP's {@code GOMP_SPINCOUNT}). It also has
 * glibc's allocator give freed activations back to the system ({@link NativeHeap}).
 *
 * <p>Retention computes on {@code retention.threads} cores (system property; default: the number of
 * cores) split into {@code retention.streams} streams (default: 2 when there are at least 2 threads,
 * else 1): each stream is a thread that runs one batch at a time with {@code threads / streams}
 * intra-op threads, and the evaluation runs that many batches at once ({@link #streamExecutor()}).
 * Streams beat one batch on all threads because a forward pass of a small model is many small ops,
 * each of which pays an OpenMP fork and join (SmolLM2-135M on 2 cores, same requests, seconds:
 * log-likelihood 20.1 with one batch on 2 threads, 15.1 with 2 streams of 1 thread, whether each stream
 * takes batches of 16 or 8; greedy generation 17.2 against 15.1 with 2 streams of 8 rows, the same rows in
 * flight). DJL's own {@code ai.djl.pytorch.num_threads}, if set, fixes the intra-op threads and then
 * streams default to 1.
 *
 * <p>Sleeping has a price on a quiet machine: a decode step runs a few hundred small parallel regions
 * back to back and pays a wake-up for each (SmolLM2-135M greedy decoding, 2 threads, ms per step:
 * passive 120; {@code GOMP_SPINCOUNT} 300: 114, 1000: 113, 2000: 103, 3000 and up: 97). Under load 8
 * on 2 cores a bounded spin of 5000 cost a third more (consumer tests 26.6 and 22.0 s against 17.9 and
 * 16.4 s passive), so the bounded spin is the user's choice for a dedicated machine, not the default.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class EngineThreads {

    /** The system property choosing the cores Retention computes on. */
    static final String KEY = "retention.threads";

    /** The system property choosing how many batches run at once. */
    static final String STREAMS_KEY = "retention.streams";

    private static Engine engine;
    private static int streams = 1;
    private static int intraOp;
    private static ExecutorService executor;

    private EngineThreads() {
    }

    /** libc's {@code setenv}, to reach OpenMP (which reads the C environment when libtorch loads). */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /**
     * The PyTorch engine, started with Retention's thread settings on first use (which prints them, unless
     * the system property {@code retention.stdout} is {@code false}).
     *
     * @return DJL's PyTorch engine
     */
    public static synchronized Engine pytorch() {
        if (engine == null) {
            streams = 1;
            String line = configure();
            engine = Engine.getEngine("PyTorch");
            if (!"false".equalsIgnoreCase(System.getProperty("retention.stdout", "true"))) {
                System.out.println(line);
            }
        }
        return engine;
    }

    private static String configure() {
        List<String> given = new ArrayList<>();
        for (String key : List.of("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")) {
            if (System.getenv(key) != null) {
                given.add(key + "=" + System.getenv(key));
            }
        }
        String policyNote;
        if (!given.isEmpty()) {
            policyNote = String.join(", ", given) + " (from the environment)";
        } else {
            policyNote = setenv("OMP_WAIT_POLICY", "PASSIVE") ? "OMP_WAIT_POLICY=PASSIVE"
                    : "OMP_WAIT_POLICY unchanged (could not set it)";
        }
        String malloc = NativeHeap.configure(System.getenv());
        if (malloc != null) {
            policyNote += ", " + malloc;
        }
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        String configuredStreams = System.getProperty(STREAMS_KEY);
        if (djl != null) {
            streams = configuredStreams == null ? 1 : streams(configuredStreams, Integer.MAX_VALUE);
            intraOp = djlThreads(djl); // stream threads take DJL's setting too (0: DJL refuses it at start)
            return "retention: libtorch intra-op threads: " + djl + " (ai.djl.pytorch.num_threads), " + streams
                    + " stream" + (streams == 1 ? "" : "s") + ", " + policyNote;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String configured = System.getProperty(KEY);
        int threads = threads(configured, cores);
        streams = streams(configuredStreams, threads);
        intraOp = Math.max(1, threads / streams);
        List<String> keys = new ArrayList<>();
        if (configured != null) {
            keys.add(KEY);
        }
        if (configuredStreams != null) {
            keys.add(STREAMS_KEY);
        }
        String source = !keys.isEmpty() ? String.join(", ", keys) : "default: " + cores + " core" + (cores == 1 ? "" : "s")
                + "; set " + KEY + " or " + STREAMS_KEY + " to change";
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
        return String.format(Locale.ROOT, "retention: %d stream%s x %d libtorch intra-op thread%s (%s), %s", streams,
                streams == 1 ? "" : "s", intraOp, intraOp == 1 ? "" : "s", source, policyNote);
    }

    /**
     * How many batches Retention's evaluation runs at once (1 until the engine has started).
     *
     * @return the number of streams, at least 1
     */
    public static synchronized int streams() {
        return streams;
    }

    /**
     * The stream threads: {@link #streams()} daemon threads, each with gradients off (libtorch's grad mode is
     * per thread, and on by default in a new one) and its share of the intra-op threads. Tasks must not wait
     * for other tasks of this executor.
     *
     * @return the shared executor; starts the engine if needed
     */
    public static synchronized ExecutorService streamExecutor() {
        pytorch();
        if (executor == null) {
            AtomicInteger n = new AtomicInteger();
            int threads = intraOp;
            executor = Executors.newFixedThreadPool(streams, task -> {
                Thread t = new Thread(() -> {
                    JniUtils.setGradMode(false);
                    if (threads > 0) {
                        JniUtils.setNumThreads(threads);
                    }
                    task.run();
                }, "retention-stream-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return executor;
    }

    /** DJL's {@code ai.djl.pytorch.num_threads} as a count; 0 when it is not a positive integer (DJL refuses it). */
    private static int djlThreads(String value) {
        try {
            return Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The stream count: {@code configured}, the value of {@link #STREAMS_KEY} (null when unset), at most
     * {@code threads}; or else 2 when {@code threads} is at least 2, and 1 otherwise.
     *
     * @throws IllegalArgumentException naming the key, when {@code configured} is not a positive integer or
     *     exceeds {@code threads}
     */
    static int streams(String configured, int threads) {
        if (configured == null) {
            return Math.min(2, threads);
        }
        int n;
        try {
            n = Integer.parseInt(configured.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > threads) {
            throw new IllegalArgumentException(STREAMS_KEY + " = '" + configured + "' is invalid; expected a number of "
                    + "batches run at once, from 1 to " + KEY + " (" + threads + ")");
        }
        return n;
    }

    /**
     * The intra-op thread count: {@code configured}, the value of {@link #KEY} (null when unset), or else
     * {@code cores}.
     *
     * @throws IllegalArgumentException naming the key, when {@code configured} is not a positive integer
     */
    static int threads(String configured, int cores) {
        if (configured == null) {
            return cores;
        }
        int threads;
        try {
            threads = Integer.parseInt(configured.trim());
        } catch (NumberFormatException e) {
            threads = -1;
        }
        if (threads < 1) {
            throw new IllegalArgumentException(KEY + " = '" + configured + "' is invalid; expected a positive "
                    + "number of libtorch intra-op threads");
        }
        return threads;
    }

    private static boolean setenv(String name, String value) {
        try {
            return Native.load("c", LibC.class).setenv(name, value, 0) == 0;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false; // no libc (Windows): OpenMP keeps its default
        }
    }
}
