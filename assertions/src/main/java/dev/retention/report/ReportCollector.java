package dev.retention.report;

import dev.retention.assertions.CategoryVerdict;
import dev.retention.assertions.DiagnosticVerdict;
import dev.retention.assertions.PerplexityVerdict;
import dev.retention.assertions.RetentionEvents;
import dev.retention.assertions.TradeOff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects every verdict published during the run ({@link RetentionEvents}), tagged with the test
 * that produced it, plus the models the run used, for the JSON and HTML reports.
 */
final class ReportCollector implements RetentionEvents.Listener {

    /** One assertion's verdict rows and the test it ran in. */
    record Entry(String testClass, String test, String kind, List<CategoryVerdict> rows) {
    }

    /** A perplexity verdict and the test it ran in. */
    record PerplexityEntry(String testClass, String test, PerplexityVerdict verdict) {
    }

    /** A diagnostic verdict and the test it ran in. */
    record DiagnosticEntry(String testClass, String test, DiagnosticVerdict verdict) {
    }

    /** A checkpoint trade-off curve and the test it ran in. */
    record TradeOffEntry(String testClass, String test, TradeOff curve) {
    }

    /** A model the run declared. */
    record ModelInfo(String name, String fingerprint, String path) {
    }

    private static final ThreadLocal<String[]> CURRENT = new ThreadLocal<>();

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final List<PerplexityEntry> perplexity = new CopyOnWriteArrayList<>();
    private final List<DiagnosticEntry> diagnostics = new CopyOnWriteArrayList<>();
    private final List<TradeOffEntry> tradeOffs = new CopyOnWriteArrayList<>();
    private final Map<String, ModelInfo> models = new ConcurrentHashMap<>();

    /** Marks the calling thread as running {@code test} of {@code testClass}. */
    static void enter(String testClass, String test) {
        CURRENT.set(new String[] {testClass, test});
    }

    static void leave() {
        CURRENT.remove();
    }

    private static String[] current() {
        String[] c = CURRENT.get();
        return c == null ? new String[] {"", ""} : c;
    }

    @Override
    public void onVerdicts(String kind, List<CategoryVerdict> verdicts) {
        String[] c = current();
        entries.add(new Entry(c[0], c[1], kind, List.copyOf(verdicts)));
    }

    @Override
    public void onPerplexity(PerplexityVerdict verdict) {
        String[] c = current();
        perplexity.add(new PerplexityEntry(c[0], c[1], verdict));
    }

    @Override
    public void onDiagnostic(DiagnosticVerdict verdict) {
        String[] c = current();
        diagnostics.add(new DiagnosticEntry(c[0], c[1], verdict));
    }

    @Override
    public void onTradeOff(TradeOff curve) {
        String[] c = current();
        tradeOffs.add(new TradeOffEntry(c[0], c[1], curve));
    }

    List<DiagnosticEntry> diagnostics() {
        return new ArrayList<>(diagnostics);
    }

    List<TradeOffEntry> tradeOffs() {
        return new ArrayList<>(tradeOffs);
    }

    void model(String name, String fingerprint, String path) {
        models.putIfAbsent(fingerprint + path, new ModelInfo(name, fingerprint, path));
    }

    List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    List<Entry> entries(String testClass) {
        return entries.stream().filter(e -> e.testClass().equals(testClass)).toList();
    }

    List<PerplexityEntry> perplexity() {
        return new ArrayList<>(perplexity);
    }

    List<ModelInfo> models() {
        return models.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }
}
