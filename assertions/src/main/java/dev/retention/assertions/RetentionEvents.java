package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Where verdicts go besides the assertion message: every evaluated retention or improvement
 * check is published here, pass or fail.
 *
 * <p>By default each verdict row is printed as one {@link CategoryVerdict#summaryLine() summary
 * line} to standard output, which Surefire keeps in the test's {@code <system-out>}; set the system
 * property {@code retention.stdout=false} to silence it.
 *
 * <p>Listeners belong to a thread: {@link #register(Listener)} delivers the verdicts published on
 * the calling thread until the returned handle is closed, so two runs in one JVM (two JUnit
 * launcher sessions, a test that runs the engine) never see each other's verdicts, and nothing
 * outlives its owner. The JUnit extension registers one listener per test, owned by the test's
 * extension store; a plain {@code main} registers its own (see {@code RetentionReport.start()}).
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RetentionEvents {

    /**
     * Receives the verdict rows of one assertion. Its methods run on the thread that publishes (the
     * one evaluating the assertion), after the summary lines are printed and before the assertion
     * fails; an exception they throw propagates to the caller.
     */
    @FunctionalInterface
    @API(status = EXPERIMENTAL, since = "0.1")
    public interface Listener {
        /**
         * The rows of a retention, improvement or canary assertion, pass or fail.
         *
         * @param kind {@code retention} or {@code improvement}, or {@code canary} for
         *     {@code everyCanaryAtLeast(severity)}
         * @param verdicts the rows of one assertion
         */
        void onVerdicts(String kind, List<CategoryVerdict> verdicts);

        /**
         * A perplexity comparison; ignored unless overridden.
         *
         * @param verdict the outcome of one {@code withinFactor(f)}
         */
        default void onPerplexity(PerplexityVerdict verdict) {
        }

        /**
         * A weight-space or distribution diagnostic; ignored unless overridden. Checkpoint assertions
         * report here too, one call per category.
         *
         * @param verdict the outcome of one diagnostic check
         */
        default void onDiagnostic(DiagnosticVerdict verdict) {
        }

        /**
         * A checkpoint sweep's trade-off between domain gain and general retention; ignored unless overridden.
         *
         * @param tradeOff the curve {@link CheckpointSweep#tradeOff(double)} computed
         */
        default void onTradeOff(TradeOff tradeOff) {
        }
    }

    /** The listeners of each thread; an entry exists only while a registration on that thread is open. */
    private static final ThreadLocal<List<Listener>> LISTENERS = new ThreadLocal<>();

    private RetentionEvents() {
    }

    /**
     * Delivers the verdicts published on the calling thread to {@code listener} until the returned
     * handle is closed (closing twice, or from another thread, is harmless). Several listeners may
     * be open on one thread; each gets every verdict, in the order they were registered.
     *
     * @param listener the listener to deliver to
     * @return the registration, to close when the listener should stop receiving
     * @throws NullPointerException when {@code listener} is {@code null}
     */
    public static Registration register(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        List<Listener> mine = LISTENERS.get();
        if (mine == null) {
            mine = new CopyOnWriteArrayList<>();
            LISTENERS.set(mine);
        }
        mine.add(listener);
        return new Registration(mine, listener);
    }

    /** An open registration of a listener on one thread. */
    @API(status = EXPERIMENTAL, since = "0.1")
    public static final class Registration implements AutoCloseable {
        private final List<Listener> list;
        private final Listener listener;

        private Registration(List<Listener> list, Listener listener) {
            this.list = list;
            this.listener = listener;
        }

        /** Stops the delivery; the thread's entry goes away with its last listener. */
        @Override
        public void close() {
            list.remove(listener);
            if (list.isEmpty() && LISTENERS.get() == list) {
                LISTENERS.remove();
            }
        }
    }

    private static List<Listener> listeners() {
        List<Listener> l = LISTENERS.get();
        return l == null ? List.of() : l;
    }

    static void publish(String kind, List<CategoryVerdict> verdicts) {
        if (printing()) {
            verdicts.forEach(v -> System.out.println(v.summaryLine()));
        }
        for (Listener l : listeners()) {
            l.onVerdicts(kind, verdicts);
        }
    }

    static void publish(PerplexityVerdict verdict) {
        if (printing()) {
            System.out.println(verdict.summaryLine());
        }
        for (Listener l : listeners()) {
            l.onPerplexity(verdict);
        }
    }

    static void publish(DiagnosticVerdict verdict) {
        if (printing()) {
            System.out.println(verdict.summaryLine());
        }
        for (Listener l : listeners()) {
            l.onDiagnostic(verdict);
        }
    }

    static void publish(TradeOff tradeOff) {
        for (Listener l : listeners()) {
            l.onTradeOff(tradeOff);
        }
    }

    private static boolean printing() {
        return !"false".equalsIgnoreCase(System.getProperty("retention.stdout", "true"));
    }
}
