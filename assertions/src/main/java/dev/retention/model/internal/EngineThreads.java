package dev.retention.model.internal;

import ai.djl.engine.Engine;
import com.sun.jna.Library;
import com.sun.jna.Native;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
 * environment already sets {@code OMP_WAIT_POLICY} or GNU OpenMP's {@code GOMP_SPINCOUNT}) and uses
 * {@code retention.threads} intra-op threads (system property; default: the number of cores). DJL's own
 * {@code ai.djl.pytorch.num_threads}, if set, wins.
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

    /** The system property choosing libtorch's intra-op threads. */
    static final String KEY = "retention.threads";

    private static Engine engine;

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
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        if (djl != null) {
            return "retention: libtorch intra-op threads: " + djl + " (ai.djl.pytorch.num_threads), " + policyNote;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String configured = System.getProperty(KEY);
        int threads = threads(configured, cores);
        String source = configured != null ? KEY
                : "default: " + cores + " core" + (cores == 1 ? "" : "s") + "; set " + KEY + " to change";
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        return String.format(Locale.ROOT, "retention: libtorch intra-op threads: %d (%s), %s", threads, source,
                policyNote);
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
