package dev.retention.report;

import dev.retention.assertions.RetentionEvents;
import dev.retention.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects every verdict that Retention's assertions publish while it is open and writes them as
 * {@code report.json} and a self-contained {@code report.html} (inline CSS and SVG; no scripts or
 * external resources): settings, models with fingerprints, per-category bars of baseline and
 * tuned accuracy with Wilson 95% intervals, thresholds, and the newly failing items.
 *
 * <pre>{@code
 * try (RetentionReport report = RetentionReport.start()) {
 *     assertThatModel(tuned).retains(base).onEveryCategory().within(0.05);
 *     report.write(Path.of("target/retention"));
 * }
 * }</pre>
 *
 * Used by the JUnit extension for its run report, and usable from a plain {@code main}.
 */
public final class RetentionReport implements AutoCloseable {

    private final ReportCollector collector = new ReportCollector();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final AutoCloseable registration;

    private RetentionReport() {
        registration = RetentionEvents.register(collector);
    }

    /** Starts collecting verdicts published from now on, on any thread. */
    public static RetentionReport start() {
        return new RetentionReport();
    }

    /**
     * Tags verdicts published by the calling thread with a test, until {@link #leaveTest()}.
     *
     * @param testClass the test class name
     * @param test the test's name
     */
    public static void enterTest(String testClass, String test) {
        ReportCollector.enter(testClass, test);
    }

    public static void leaveTest() {
        ReportCollector.leave();
    }

    /** A line of the report's settings table (also written to the JSON's {@code settings}). */
    public synchronized RetentionReport setting(String name, String value) {
        settings.put(name, value);
        return this;
    }

    /** Lists a model in the report's model table. */
    public RetentionReport model(String name, String fingerprint, String path) {
        collector.model(name, fingerprint, path);
        return this;
    }

    /** Whether nothing has been reported yet. */
    public boolean isEmpty() {
        return isEmpty(null);
    }

    /** Whether nothing has been reported yet by {@code testClass} (by anyone when null). */
    public boolean isEmpty(String testClass) {
        return data(testClass).isEmpty();
    }

    /** Writes {@code report.json} and {@code report.html} into {@code dir}; returns the HTML file. */
    public Path write(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        try {
            AtomicFiles.writeString(d.resolve("report.json"), json(null));
            Path html = d.resolve("report.html");
            AtomicFiles.writeString(html, html(null));
            return html;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Retention report to " + d + " (" + e.getMessage()
                    + "); the files already there are unchanged", e);
        }
    }

    /** The JSON report, of one test class only when {@code testClass} is not null. */
    public String json(String testClass) {
        return ReportJson.render(data(testClass));
    }

    /** The HTML report, of one test class only when {@code testClass} is not null. */
    public String html(String testClass) {
        return ReportHtml.render(data(testClass));
    }

    private ReportData data(String testClass) {
        return new ReportData(snapshot(), collector.models(),
                testClass == null ? collector.entries() : collector.entries(testClass),
                collector.perplexity().stream().filter(p -> testClass == null || p.testClass().equals(testClass)).toList(),
                collector.diagnostics().stream().filter(d -> testClass == null || d.testClass().equals(testClass)).toList(),
                collector.tradeOffs().stream().filter(t -> testClass == null || t.testClass().equals(testClass)).toList());
    }

    private synchronized Map<String, String> snapshot() {
        return new LinkedHashMap<>(settings);
    }

    /** Stops collecting. */
    @Override
    public void close() {
        try {
            registration.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot unregister the report listener", e);
        }
    }
}
