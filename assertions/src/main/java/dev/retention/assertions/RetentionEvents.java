package dev.retention.assertions;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Where verdicts go besides the assertion message: every evaluated retention or improvement
 * check is published here, pass or fail.
 *
 * <p>By default each verdict row is printed as one {@link CategoryVerdict#summaryLine() summary
 * line} to standard output, which Surefire keeps in the test's {@code <system-out>}; set the system
 * property {@code retention.stdout=false} to silence it. The JUnit extension registers a listener
 * to build its JSON and HTML reports.
 */
public final class RetentionEvents {

    /** Receives the verdict rows of one assertion. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param kind {@code retention} or {@code improvement}
         * @param verdicts the rows of one assertion
         */
        void onVerdicts(String kind, List<CategoryVerdict> verdicts);

        /** A perplexity comparison; ignored unless overridden. */
        default void onPerplexity(PerplexityVerdict verdict) {
        }

        /** A weight-space or distribution diagnostic; ignored unless overridden. */
        default void onDiagnostic(DiagnosticVerdict verdict) {
        }

        /** A checkpoint sweep's trade-off between domain gain and general retention; ignored unless overridden. */
        default void onTradeOff(TradeOff tradeOff) {
        }
    }

    private static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();

    private RetentionEvents() {
    }

    /** Adds a listener; close the returned handle to remove it. */
    public static AutoCloseable register(Listener listener) {
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    static void publish(String kind, List<CategoryVerdict> verdicts) {
        if (printing()) {
            verdicts.forEach(v -> System.out.println(v.summaryLine()));
        }
        for (Listener l : LISTENERS) {
            l.onVerdicts(kind, verdicts);
        }
    }

    static void publish(PerplexityVerdict verdict) {
        if (printing()) {
            System.out.println(verdict.summaryLine());
        }
        for (Listener l : LISTENERS) {
            l.onPerplexity(verdict);
        }
    }

    static void publish(DiagnosticVerdict verdict) {
        print(verdict.summaryLine());
        for (Listener l : LISTENERS) {
            l.onDiagnostic(verdict);
        }
    }

    static void publish(TradeOff tradeOff) {
        for (Listener l : LISTENERS) {
            l.onTradeOff(tradeOff);
        }
    }

    static void print(String line) {
        if (printing()) {
            System.out.println(line);
        }
    }

    private static boolean printing() {
        return !"false".equalsIgnoreCase(System.getProperty("retention.stdout", "true"));
    }
}
