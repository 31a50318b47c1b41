package dev.retention.report;

import dev.retention.assertions.RetentionEvents;
import dev.retention.io.internal.AtomicFiles;
import org.apiguardian.api.API;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Collects the verdicts that Retention's assertions publish and writes them as
 * {@code report.json} and a self-contained {@code report.html} (inline CSS and SVG; no scripts or
 * external resources), one pair per run (see {@link #write(Path)}): settings, models with fingerprints, per-category bars of baseline and
 * tuned accuracy with Wilson 95% intervals, thresholds, and the newly failing items.
 *
 * <pre>{@code
 * try (RetentionReport report = RetentionReport.start()) {
 *     assertThatModel(tuned).retains(base).onEveryCategory().within(0.05);
 *     report.write(Path.of("target/retention")); // runs/<run>/report.html, report.html (latest), index.html
 * }
 * }</pre>
 *
 * {@link #start()} collects what the calling thread publishes until {@link #close()}. A report made
 * with {@link #create()} collects only through the {@linkplain #listener(String, String) listeners}
 * its owner registers ({@link RetentionEvents#register}), e.g. one per test, each tagging its
 * verdicts with the test; that is how the JUnit extension builds its run report.
 *
 * <p>A report may be fed from several threads at once (each through its own listener) and read or written
 * while it is being fed; each rendering is of the verdicts collected up to that moment.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class RetentionReport implements AutoCloseable {

    private final ReportCollector collector = new ReportCollector();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private RetentionEvents.Registration registration;

    private RetentionReport() {
    }

    /**
     * A report that collects the verdicts published on the calling thread from now until {@link #close()}.
     * Its verdicts are tagged with no test (empty test class and test name).
     *
     * @return a new report, listening on the calling thread until it is closed (e.g. by try-with-resources)
     */
    public static RetentionReport start() {
        RetentionReport r = new RetentionReport();
        r.registration = RetentionEvents.register(r.listener("", ""));
        return r;
    }

    /**
     * A report that collects only through the listeners obtained from {@link #listener(String, String)}.
     *
     * @return a new, empty report that listens to nothing until such a listener is registered
     */
    public static RetentionReport create() {
        return new RetentionReport();
    }

    /**
     * A listener that adds every verdict it receives to this report, tagged with a test; register it
     * with {@link RetentionEvents#register} on the thread that runs the test.
     *
     * @param testClass the test class name ({@code ""} for none)
     * @param test the test's name ({@code ""} for none)
     * @return a new listener that adds every verdict it receives to this report; it is not registered
     *     anywhere yet
     */
    public RetentionEvents.Listener listener(String testClass, String test) {
        return collector.listener(testClass, test);
    }

    /**
     * A line of the report's settings table (also written to the JSON's {@code settings}). Lines appear in
     * the order their names were first set; setting a name again replaces its value in place.
     *
     * @param name the setting's name, shown as is
     * @param value the setting's value, shown as is
     * @return this report
     */
    public synchronized RetentionReport setting(String name, String value) {
        settings.put(name, value);
        return this;
    }

    /**
     * Lists a model in the report's model table (and the JSON's {@code models}), which is sorted by name.
     * A model with the same fingerprint and path as one already listed is ignored, so the first name
     * given for it is kept.
     *
     * @param name the name to show for the model
     * @param fingerprint the model's fingerprint (a hash of its weights and configuration)
     * @param path where the model came from, e.g. its directory
     * @return this report
     */
    public RetentionReport model(String name, String fingerprint, String path) {
        collector.model(name, fingerprint, path);
        return this;
    }

    /**
     * Whether nothing has been reported yet.
     *
     * @return true if no verdict, perplexity verdict, diagnostic or trade-off curve has been collected;
     *     settings and models do not count
     */
    public boolean isEmpty() {
        return isEmpty(null);
    }

    /**
     * Whether nothing has been reported yet by {@code testClass} (by anyone when null).
     *
     * @param testClass the test class name the listeners were given, or null for all
     * @return true if no verdict, perplexity verdict, diagnostic or trade-off curve of that test class has been
     *     collected
     */
    public boolean isEmpty(String testClass) {
        return data(testClass).isEmpty();
    }

    /**
     * Writes this report as a new run under {@code dir} without replacing any earlier run's:
     * {@code dir/runs/<run>/report.html} and {@code report.json}, where {@code <run>} is the UTC time of
     * writing and a random suffix (e.g. {@code 2026-11-27T080503.123Z-3fa2c1}); then copies of both as
     * {@code dir/report.html} and {@code dir/report.json} (the latest run) and {@code dir/index.html},
     * which lists every run under {@code dir/runs/}, newest first. Each file is written atomically
     * ({@link AtomicFiles}); a run whose own files cannot be written leaves no run directory behind.
     *
     * @param dir the report directory; created, with {@code runs/}, if missing
     * @return the files written
     * @throws UncheckedIOException if a file cannot be written; the message names {@code dir}
     */
    public ReportFiles write(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        try {
            return ReportRuns.write(d, json(null), html(null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Retention report to " + d + " (" + e.getMessage()
                    + "); no file there is half-written: each is the previous version or the new one", e);
        }
    }

    /**
     * The JSON report, of one test class only when {@code testClass} is not null.
     *
     * @param testClass the test class name the listeners were given, or null for the whole report
     * @return the report as JSON text (schema {@code retention-report}, version 1), with the current time as
     *     its {@code createdAt}; settings and models are always those of the whole report
     */
    public String json(String testClass) {
        return ReportJson.render(data(testClass));
    }

    /**
     * The HTML report, of one test class only when {@code testClass} is not null.
     *
     * @param testClass the test class name the listeners were given, or null for the whole report
     * @return a self-contained HTML page; settings and models are always those of the whole report
     */
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

    /**
     * Stops the collecting that {@link #start()} began (listeners registered elsewhere are closed by their owners).
     * Does nothing for a report made with {@link #create()}; closing twice is harmless. What was collected stays,
     * so the report can still be written afterwards.
     */
    @Override
    public void close() {
        if (registration != null) {
            registration.close();
        }
    }
}
