package dev.retention.report;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.retention.assertions.CategoryVerdict;
import dev.retention.assertions.DiagnosticVerdict;
import dev.retention.assertions.ItemChange;
import dev.retention.assertions.PerplexityVerdict;
import dev.retention.assertions.TradeOff;
import dev.retention.eval.internal.LibraryVersion;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The run report as JSON, schema {@code retention-report} version 1: settings, models, every
 * assertion's verdict rows with newly failing items, perplexity checks, diagnostics and checkpoint
 * trade-off curves.
 */
final class ReportJson {

    private ReportJson() {
    }

    static String render(ReportData data) {
        JsonObject o = new JsonObject();
        o.addProperty("schema", "retention-report");
        o.addProperty("schemaVersion", 1);
        o.addProperty("createdAt", Instant.now().toString());
        o.addProperty("library", LibraryVersion.retention());
        o.addProperty("engine", LibraryVersion.engine());
        JsonObject c = new JsonObject();
        data.settings().forEach(c::addProperty);
        o.add("settings", c);
        JsonArray ms = new JsonArray();
        for (ReportCollector.ModelInfo m : data.models()) {
            JsonObject j = new JsonObject();
            j.addProperty("name", m.name());
            j.addProperty("fingerprint", m.fingerprint());
            j.addProperty("path", m.path());
            ms.add(j);
        }
        o.add("models", ms);
        JsonArray as = new JsonArray();
        for (ReportCollector.Entry e : data.entries()) {
            JsonObject j = new JsonObject();
            j.addProperty("testClass", e.testClass());
            j.addProperty("test", e.test());
            j.addProperty("kind", e.kind());
            j.addProperty("passed", e.rows().stream().allMatch(CategoryVerdict::passed));
            JsonArray rows = new JsonArray();
            e.rows().forEach(r -> rows.add(row(r)));
            j.add("rows", rows);
            as.add(j);
        }
        o.add("assertions", as);
        JsonArray ps = new JsonArray();
        for (ReportCollector.PerplexityEntry e : data.perplexity()) {
            PerplexityVerdict v = e.verdict();
            JsonObject j = new JsonObject();
            j.addProperty("testClass", e.testClass());
            j.addProperty("test", e.test());
            j.addProperty("tuned", v.tuned());
            j.addProperty("baseline", v.baseline());
            j.addProperty("text", v.text());
            j.addProperty("metric", v.metric());
            j.addProperty("tunedValue", v.tunedValue());
            j.addProperty("baselineValue", v.baselineValue());
            j.addProperty("ratio", v.ratio());
            j.addProperty("factor", v.factor());
            j.addProperty("tunedBitsPerByte", v.tunedBitsPerByte());
            j.addProperty("baselineBitsPerByte", v.baselineBitsPerByte());
            j.addProperty("passed", v.passed());
            ps.add(j);
        }
        o.add("perplexity", ps);
        JsonArray ds = new JsonArray();
        for (ReportCollector.DiagnosticEntry e : data.diagnostics()) {
            DiagnosticVerdict v = e.verdict();
            JsonObject j = new JsonObject();
            j.addProperty("testClass", e.testClass());
            j.addProperty("test", e.test());
            j.addProperty("kind", v.kind());
            j.addProperty("tuned", v.tuned());
            j.addProperty("baseline", v.baseline());
            j.addProperty("check", v.check());
            if (!Double.isNaN(v.value())) {
                j.addProperty("value", v.value());
            }
            j.addProperty("bound", v.bound());
            j.addProperty("passed", v.passed());
            JsonArray details = new JsonArray();
            v.details().forEach(details::add);
            j.add("details", details);
            ds.add(j);
        }
        o.add("diagnostics", ds);
        JsonArray ts = new JsonArray();
        for (ReportCollector.TradeOffEntry e : data.tradeOffs()) {
            TradeOff curve = e.curve();
            JsonObject j = new JsonObject();
            j.addProperty("test", e.test());
            j.addProperty("baseline", curve.baseline());
            j.addProperty("budget", curve.budget());
            curve.chosen().ifPresent(x -> j.addProperty("chosen", x));
            JsonArray pts = new JsonArray();
            for (TradeOff.Point p : curve.points()) {
                JsonObject q = new JsonObject();
                q.addProperty("name", p.name());
                q.addProperty("generalRetention", p.generalRetention());
                q.addProperty("generalMean", p.generalMean());
                q.addProperty("domainAccuracy", p.domainAccuracy());
                pts.add(q);
            }
            j.add("points", pts);
            ts.add(j);
        }
        o.add("tradeOffs", ts);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
                .create().toJson(o) + "\n";
    }

    private static JsonObject row(CategoryVerdict r) {
        JsonObject j = new JsonObject();
        j.addProperty("tuned", r.tuned());
        j.addProperty("baseline", r.baseline());
        j.addProperty("suite", r.suite());
        j.addProperty("category", r.category());
        j.addProperty("n", r.n());
        j.addProperty("baselineAccuracy", r.baselineAccuracy());
        j.addProperty("tunedAccuracy", r.tunedAccuracy());
        j.addProperty("delta", r.delta());
        j.addProperty("regressions", r.regressions());
        j.addProperty("improvements", r.improvements());
        JsonArray ci = new JsonArray();
        ci.add(r.ci().lower());
        ci.add(r.ci().upper());
        j.add("ci95", ci);
        j.addProperty("pValue", r.pValue());
        j.addProperty("pValueTest", r.pValueName());
        if (!Double.isNaN(r.threshold())) {
            j.addProperty("threshold", r.threshold());
        }
        j.addProperty("tolerance", r.tolerance());
        j.addProperty("rule", r.rule().label());
        j.addProperty("passed", r.passed());
        JsonArray items = new JsonArray();
        for (ItemChange c : r.newlyFailing()) {
            JsonObject i = new JsonObject();
            i.addProperty("id", c.id());
            i.addProperty("prompt", c.prompt());
            if (c.templated()) {
                i.addProperty("renderedPrompt", c.renderedPrompt());
            }
            i.addProperty("expected", c.expected());
            i.addProperty("baselineOutput", c.baselineOutput());
            i.addProperty("tunedOutput", c.tunedOutput());
            if (c.truncated()) {
                i.addProperty("baselineTruncatedTokens", c.baselineTruncated());
                i.addProperty("tunedTruncatedTokens", c.tunedTruncated());
            }
            items.add(i);
        }
        j.add("newlyFailing", items);
        JsonArray truncated = new JsonArray();
        r.truncated().forEach(truncated::add);
        j.add("truncated", truncated);
        return j;
    }
}
