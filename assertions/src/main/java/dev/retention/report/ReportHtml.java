package dev.retention.report;

import dev.retention.assertions.CategoryVerdict;
import dev.retention.assertions.DiagnosticVerdict;
import dev.retention.assertions.ItemChange;
import dev.retention.assertions.PerplexityVerdict;
import dev.retention.eval.internal.LibraryVersion;
import dev.retention.stats.Interval;
import dev.retention.stats.Wilson;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run report as one self-contained HTML page: inline CSS and SVG, no scripts, fonts or
 * external resources, so it opens from a CI artifact as is.
 */
final class ReportHtml {

    private static final int ITEMS_SHOWN = 10;

    private ReportHtml() {
    }

    static String render(ReportData data) {
        StringBuilder h = new StringBuilder(16_384);
        long failed = data.entries().stream().filter(e -> e.rows().stream().anyMatch(r -> !r.passed())).count()
                + data.perplexity().stream().filter(p -> !p.verdict().passed()).count()
                + data.diagnostics().stream().filter(d -> !d.verdict().passed()).count();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Retention report</title>\n<style>\n")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}")
                .append("h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;text-align:right}")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}.ok{color:#17692b}.bad{color:#b3261e;font-weight:600}")
                .append("code{font-size:12px}details{margin:.3em 0 1em}.muted{color:#666}svg text{font:12px sans-serif}")
                .append("\n</style></head><body>\n");
        h.append("<h1>Retention report</h1>\n<p class=\"muted\">").append(esc(Instant.now().toString()))
                .append(" · Retention ").append(esc(LibraryVersion.retention())).append(" · ")
                .append(esc(LibraryVersion.engine())).append("</p>\n");
        h.append("<p>").append(data.entries().size() + data.perplexity().size() + data.diagnostics().size())
                .append(" verdicts, <span class=\"")
                .append(failed == 0 ? "ok\">all passed" : "bad\">" + failed + " failed").append("</span>.")
                .append(failed == 0 ? "" : " <span class=\"muted\">A test that expects a failure (e.g. with "
                        + "assertThatThrownBy) still records its failed verdict here; the test results are in "
                        + "Surefire's reports.</span>")
                .append("</p>\n");
        h.append("<h2>Run</h2>\n<table><tr><th class=\"l\">setting</th><th class=\"l\">value</th></tr>");
        data.settings().forEach((k, v) -> row(h, k, v));
        h.append("</table>\n<h2>Models</h2>\n<table><tr><th class=\"l\">name</th><th class=\"l\">sha256</th>"
                + "<th class=\"l\">path</th></tr>");
        for (ReportCollector.ModelInfo m : data.models()) {
            h.append("<tr><td class=\"l\">").append(esc(m.name())).append("</td><td class=\"l\"><code>")
                    .append(esc(m.fingerprint())).append("</code></td><td class=\"l\">").append(esc(m.path()))
                    .append("</td></tr>");
        }
        h.append("</table>\n");
        if (!data.entries().isEmpty()) {
            h.append("<h2>Assertions</h2>\n");
        }
        for (ReportCollector.Entry e : data.entries()) {
            entry(h, e);
        }
        if (!data.perplexity().isEmpty()) {
            h.append("<h2>Perplexity</h2>\n<table><tr><th class=\"l\">test</th><th class=\"l\">tuned vs baseline</th>"
                    + "<th class=\"l\">text</th><th class=\"l\">metric</th><th>tuned</th><th>baseline</th><th>ratio</th>"
                    + "<th>max</th><th>bits/byte</th><th class=\"l\">verdict</th></tr>");
            for (ReportCollector.PerplexityEntry pe : data.perplexity()) {
                PerplexityVerdict v = pe.verdict();
                h.append("<tr><td class=\"l\">").append(esc(pe.test())).append("</td><td class=\"l\">")
                        .append(esc(v.tuned() + " vs " + v.baseline())).append("</td><td class=\"l\">").append(esc(v.text()))
                        .append("</td><td class=\"l\">").append(esc(v.metric())).append("</td><td>")
                        .append(f(v.tunedValue(), 3)).append("</td><td>").append(f(v.baselineValue(), 3)).append("</td><td>")
                        .append(f(v.ratio(), 2)).append("</td><td>").append(f(v.factor(), 2)).append("</td><td>")
                        .append(f(v.tunedBitsPerByte(), 3)).append(" / ").append(f(v.baselineBitsPerByte(), 3))
                        .append("</td>").append(verdict(v.passed())).append("</tr>");
            }
            h.append("</table>\n");
        }
        if (!data.diagnostics().isEmpty()) {
            h.append("<h2>Diagnostics</h2>\n<table><tr><th class=\"l\">test</th><th class=\"l\">tuned vs baseline</th>"
                    + "<th class=\"l\">check</th><th>value</th><th class=\"l\">bound</th><th class=\"l\">verdict</th></tr>");
            for (ReportCollector.DiagnosticEntry de : data.diagnostics()) {
                DiagnosticVerdict v = de.verdict();
                h.append("<tr><td class=\"l\">").append(esc(de.test())).append("</td><td class=\"l\">")
                        .append(esc(v.tuned() + " vs " + v.baseline())).append("</td><td class=\"l\">")
                        .append(esc(v.check())).append("</td><td>")
                        .append(v.formattedValue())
                        .append("</td><td class=\"l\">").append(esc(v.bound())).append("</td>").append(verdict(v.passed()))
                        .append("</tr>");
                if (!v.details().isEmpty()) {
                    h.append("<tr><td></td><td colspan=\"5\" class=\"l muted\"><code>")
                            .append(esc(String.join(" · ", v.details()))).append("</code></td></tr>");
                }
            }
            h.append("</table>\n");
        }
        for (ReportCollector.TradeOffEntry te : data.tradeOffs()) {
            TradeOffSvg.render(h, te.curve(), te.test());
        }
        return h.append("</body></html>\n").toString();
    }

    private static void entry(StringBuilder h, ReportCollector.Entry e) {
        CategoryVerdict first = e.rows().get(0);
        boolean ok = e.rows().stream().allMatch(CategoryVerdict::passed);
        h.append("<h3>").append(esc(first.tuned())).append(" vs ").append(esc(first.baseline())).append(" · ")
                .append(esc(first.suite())).append(" · ").append(esc(e.kind())).append(" <span class=\"")
                .append(ok ? "ok\">passed" : "bad\">failed").append("</span></h3>\n<p class=\"muted\">")
                .append(esc(e.testClass())).append(" › ").append(esc(e.test())).append(" · ")
                .append(esc(first.tolerance())).append(" · ").append(esc(first.rule().label())).append(" · p: ")
                .append(esc(first.pValueName())).append("</p>\n");
        bars(h, e.rows());
        h.append("<table><tr><th class=\"l\">category</th><th>n</th><th>baseline</th><th>tuned</th><th>Δ</th>"
                + "<th>95% CI of Δ</th><th>p</th><th>threshold</th><th class=\"l\">verdict</th></tr>");
        for (CategoryVerdict r : e.rows()) {
            h.append("<tr><td class=\"l\">").append(esc(r.category())).append("</td><td>").append(r.n())
                    .append("</td><td>").append(f(r.baselineAccuracy(), 3)).append("</td><td>")
                    .append(f(r.tunedAccuracy(), 3)).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%+.3f", r.delta())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "[%+.3f, %+.3f]", r.ci().lower(), r.ci().upper()))
                    .append("</td><td>").append(r.pValue() < 1e-4 ? "&lt;0.0001" : f(r.pValue(), 4)).append("</td><td>")
                    .append(Double.isNaN(r.threshold()) ? "n/a" : "≥ " + f(r.threshold(), 3)).append("</td>")
                    .append(verdict(r.passed())).append("</tr>");
        }
        h.append("</table>\n");
        List<String> truncated = e.rows().stream().flatMap(r -> r.truncated().stream()).toList();
        if (!truncated.isEmpty()) {
            h.append("<p class=\"muted\">").append(truncated.size()).append(" compared item")
                    .append(truncated.size() == 1 ? " had its" : "s had their")
                    .append(" prompt left-truncated to the context window: ")
                    .append(esc(String.join(", ", truncated.subList(0, Math.min(ITEMS_SHOWN, truncated.size())))))
                    .append(truncated.size() > ITEMS_SHOWN ? ", …" : "").append("</p>\n");
        }
        List<ItemChange> newly = e.rows().stream().flatMap(r -> r.newlyFailing().stream()).toList();
        if (!newly.isEmpty()) {
            h.append("<details><summary>").append(newly.size()).append(" newly failing item")
                    .append(newly.size() == 1 ? "" : "s").append(newly.size() > ITEMS_SHOWN ? " (first " + ITEMS_SHOWN + ")" : "")
                    .append("</summary><table><tr><th class=\"l\">id</th><th class=\"l\">prompt</th><th class=\"l\">expected"
                            + "</th><th class=\"l\">baseline</th><th class=\"l\">tuned</th></tr>");
            for (ItemChange c : newly.subList(0, Math.min(ITEMS_SHOWN, newly.size()))) {
                h.append("<tr><td class=\"l\">").append(esc(c.id())).append("</td><td class=\"l\"><code>")
                        .append(esc(c.prompt())).append("</code>");
                if (c.templated()) {
                    h.append("<details><summary>as the model saw it</summary>")
                            .append("<pre style=\"white-space:pre-wrap;font-size:12px\">").append(escPre(c.renderedPrompt()))
                            .append("</pre></details>");
                }
                h.append("</td><td class=\"l\"><code>").append(esc(c.expected()))
                        .append("</code></td><td class=\"l\"><code>").append(esc(c.baselineOutput()))
                        .append("</code></td><td class=\"l\"><code>").append(esc(c.tunedOutput())).append("</code></td></tr>");
            }
            h.append("</table></details>\n");
        }
    }

    /** Horizontal bars per category: baseline (grey) and tuned (blue, red if failed), Wilson 95% whiskers. */
    private static void bars(StringBuilder h, List<CategoryVerdict> rows) {
        int label = 130;
        int width = 520;
        int rowH = 34;
        int height = rows.size() * rowH + 24;
        h.append("<svg width=\"").append(label + width + 20).append("\" height=\"").append(height)
                .append("\" role=\"img\" aria-label=\"baseline and tuned accuracy per category\">");
        for (int t = 0; t <= 4; t++) {
            double x = label + width * t / 4.0;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%.2f</text>", x, x, height - 16, x,
                    height - 3, t / 4.0));
        }
        for (int i = 0; i < rows.size(); i++) {
            CategoryVerdict r = rows.get(i);
            int y = i * rowH + 4;
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", label - 8,
                    y + 18, esc(r.category())));
            bar(h, label, width, y, r.baselineAccuracy(), r.n(), "#9e9e9e", "baseline");
            bar(h, label, width, y + 13, r.tunedAccuracy(), r.n(), r.passed() ? "#1f6feb" : "#d1242f", "tuned");
            if (!Double.isNaN(r.threshold())) {
                double x = label + width * Math.max(0, Math.min(1, r.threshold()));
                h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\" "
                        + "stroke-dasharray=\"3,2\"><title>threshold %.3f</title></line>", x, y - 2, x, y + 26, r.threshold()));
            }
        }
        h.append("</svg>\n");
    }

    private static void bar(StringBuilder h, int x0, int width, int y, double acc, int n, String color, String who) {
        int k = (int) Math.round(acc * n);
        Interval w = Wilson.interval(k, n, 0.95);
        h.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\">"
                        + "<title>%s %.3f (Wilson 95%% [%.3f, %.3f], n=%d)</title></rect>", x0, y, width * acc, color, who,
                acc, w.lower(), w.upper(), n));
        h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>",
                x0 + width * w.lower(), y + 5, x0 + width * w.upper(), y + 5));
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><td class=\"l\">").append(esc(k)).append("</td><td class=\"l\">").append(esc(v)).append("</td></tr>");
    }

    static String verdict(boolean ok) {
        return ok ? "<td class=\"l ok\">ok</td>" : "<td class=\"l bad\">FAILED</td>";
    }

    static String f(double d, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", d);
    }

    /** {@link #esc} for a {@code <pre>} block: line breaks stay line breaks. */
    static String escPre(String s) {
        return s.lines().map(ReportHtml::esc).collect(java.util.stream.Collectors.joining("\n"))
                + (s.endsWith("\n") ? "\n" : "");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
