package dev.retention.report;

import java.util.List;
import java.util.Map;

/** Everything one report shows. */
record ReportData(Map<String, String> settings, List<ReportCollector.ModelInfo> models,
                  List<ReportCollector.Entry> entries, List<ReportCollector.PerplexityEntry> perplexity,
                  List<ReportCollector.DiagnosticEntry> diagnostics, List<ReportCollector.TradeOffEntry> tradeOffs) {

    boolean isEmpty() {
        return entries.isEmpty() && perplexity.isEmpty() && diagnostics.isEmpty() && tradeOffs.isEmpty();
    }
}
