package dev.retention.model;

import ai.djl.engine.Engine;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.util.Locale;

/**
 * Starts DJL's PyTorch engine once per JVM with Retention's thread settings, and says which.
 *
 * <p>libtorch runs each op on an OpenMP team of intra-op threads. By default OpenMP threads that
 * wait for work spin on the CPU; on a machine whose cores are busy (a CI runner, parallel Surefire
 * forks) the spinning threads steal the cores the working thread needs, and a forward pass gets
 * an order of magnitude slower (measured on 2 cores at load 8: 271 s with 2 spinning threads, 27 s
 * with 2 passive ones, 20 s with 1 thread). So Retention asks OpenMP to sleep while waiting
 * ({@code OMP_WAIT_POLICY=PASSIVE}, set in the process environment before libtorch loads, unless the
 * environment already sets it) and uses {@code retention.threads} intra-op threads (system property;
 * default: the number of cores). DJL's own {@code ai.djl.pytorch.num_threads}, if set, wins.
 */
final class EngineThreads {

    /** The system property choosing libtorch's intra-op threads. */
    static final String KEY = "retention.threads";

    private static Engine engine;

    private EngineThreads() {
    }

    /** libc's {@code setenv}, to reach OpenMP (which reads the C environment when libtorch loads). */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /** The PyTorch engine, started with Retention's thread settings on first use. */
    static synchronized Engine pytorch() {
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
        String policy = System.getenv("OMP_WAIT_POLICY");
        String policyNote;
        if (policy == null) {
            policyNote = setPassive() ? "OMP_WAIT_POLICY=PASSIVE" : "OMP_WAIT_POLICY unchanged (could not set it)";
        } else {
            policyNote = "OMP_WAIT_POLICY=" + policy + " (from the environment)";
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

    private static boolean setPassive() {
        try {
            return Native.load("c", LibC.class).setenv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false; // no libc (Windows): OpenMP keeps its default
        }
    }
}
