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
 * Collects verdicts ({@link RetentionEvents}) through {@linkplain #listener(String, String) listeners}
 * tagged with the test that produced them, plus the models the run used, for the JSON and HTML
 * reports. Holds no static state: who registers a listener decides on which thread, and for how
 * long, it collects.
 */
final class ReportCollector {

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

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final List<PerplexityEntry> perplexity = new CopyOnWriteArrayList<>();
    private final List<DiagnosticEntry> diagnostics = new CopyOnWriteArrayList<>();
    private final List<TradeOffEntry> tradeOffs = new CopyOnWriteArrayList<>();
    private final Map<String, ModelInfo> models = new ConcurrentHashMap<>();

    /** A listener that adds every verdict it receives to this collector, tagged with {@code test} of {@code testClass}. */
    RetentionEvents.Listener listener(String testClass, String test) {
        return new RetentionEvents.Listener() {
            @Override
            public void onVerdicts(String kind, List<CategoryVerdict> verdicts) {
                entries.add(new Entry(testClass, test, kind, List.copyOf(verdicts)));
            }

            @Override
            public void onPerplexity(PerplexityVerdict verdict) {
                perplexity.add(new PerplexityEntry(testClass, test, verdict));
            }

            @Override
            public void onDiagnostic(DiagnosticVerdict verdict) {
                diagnostics.add(new DiagnosticEntry(testClass, test, verdict));
            }

            @Override
            public void onTradeOff(TradeOff curve) {
                tradeOffs.add(new TradeOffEntry(testClass, test, curve));
            }
        };
    }

    List<DiagnosticEntry> diagnostics() {
        return new ArrayList<>(diagnostics);
    }

    List<TradeOffEntry> tradeOffs() {
        return new ArrayList<>(tradeOffs);
    }

    void model(String name, String fingerprint, String path) {
        models.putIfAbsent(fingerprint + "\n" + path, new ModelInfo(name, fingerprint, path));
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
