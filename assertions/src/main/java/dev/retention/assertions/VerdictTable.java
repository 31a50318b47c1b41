package dev.retention.assertions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders verdicts as the plain-text table that assertion messages (and so Surefire XML and CI
 * dashboards) show, followed by the newly failing items.
 */
final class VerdictTable {

    static final int ITEMS_SHOWN = 5;
    private static final int TEXT_WIDTH = 100;

    private VerdictTable() {
    }

    static String render(String headline, List<CategoryVerdict> verdicts) {
        StringBuilder sb = new StringBuilder(headline).append("\n\n");
        int w = Math.max("category".length(), verdicts.stream().mapToInt(v -> v.category().length()).max().orElse(0));
        String fmt = "  %-" + w + "s %5s %9s %7s %8s  %-18s %-8s %-10s %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "category", "n", "baseline", "tuned", "Δ", "95% CI", "p",
                "threshold", "verdict"));
        for (CategoryVerdict v : verdicts) {
            sb.append(String.format(Locale.ROOT, fmt, v.category(), v.n(), f3(v.baselineAccuracy()),
                    f3(v.tunedAccuracy()), String.format(Locale.ROOT, "%+.3f", v.delta()),
                    String.format(Locale.ROOT, "[%+.3f, %+.3f]", v.ci().lower(), v.ci().upper()), formatP(v.pValue()),
                    Double.isNaN(v.threshold()) ? "n/a" : "≥ " + f3(v.threshold()), v.passed() ? "ok" : "FAILED"));
        }
        CategoryVerdict first = verdicts.get(0);
        sb.append(String.format(Locale.ROOT, "%n  tolerance %s; rule: %s; p: %s; 95%% CI: paired bootstrap of Δ "
                + "(tuned - baseline), %d resamples, seed %d.%n", first.tolerance(), first.rule().label(),
                first.pValueName(), Judge.RESAMPLES, Judge.SEED));
        List<String> truncated = new ArrayList<>();
        verdicts.forEach(v -> truncated.addAll(v.truncated()));
        if (!truncated.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "  %d of the compared items had their prompt left-truncated to the "
                    + "context window, so the model saw only its end: %s%s%n", truncated.size(),
                    String.join(", ", truncated.subList(0, Math.min(ITEMS_SHOWN, truncated.size()))),
                    truncated.size() > ITEMS_SHOWN ? ", …" : ""));
        }
        List<ItemChange> newly = new ArrayList<>();
        verdicts.stream().filter(v -> !v.passed()).forEach(v -> newly.addAll(v.newlyFailing()));
        if (newly.isEmpty()) {
            verdicts.forEach(v -> newly.addAll(v.newlyFailing()));
        }
        if (!newly.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nNewly failing items (%d in total, first %d):%n", newly.size(),
                    Math.min(ITEMS_SHOWN, newly.size())));
            if (newly.stream().anyMatch(ItemChange::templated)) {
                sb.append("  (prompts as the suite gives them; the text the model saw after the prompt or chat "
                        + "template is in report.html and in the scorecards' renderedPrompt)\n");
            }
            for (ItemChange c : newly.subList(0, Math.min(ITEMS_SHOWN, newly.size()))) {
                sb.append("  - ").append(c.id()).append(" (").append(c.category()).append(")\n");
                sb.append("      prompt:   ").append(quote(c.prompt())).append(truncation(c)).append('\n');
                sb.append("      expected: ").append(quote(c.expected())).append('\n');
                sb.append("      baseline: ").append(quote(c.baselineOutput())).append('\n');
                sb.append("      tuned:    ").append(quote(c.tunedOutput())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String truncation(ItemChange c) {
        if (!c.truncated()) {
            return "";
        }
        return c.baselineTruncated() == c.tunedTruncated()
                ? " (left-truncated: the first " + c.tunedTruncated() + " tokens did not fit the context window)"
                : " (left-truncated: baseline lost its first " + c.baselineTruncated() + " tokens, tuned its first "
                + c.tunedTruncated() + ")";
    }

    /** Per-category lines for the IDE diff: identical for passing categories. */
    static String expectedLines(List<CategoryVerdict> verdicts) {
        StringBuilder sb = new StringBuilder();
        for (CategoryVerdict v : verdicts) {
            sb.append(v.category()).append(": ok").append(bound(v)).append('\n');
        }
        return sb.toString();
    }

    static String actualLines(List<CategoryVerdict> verdicts) {
        StringBuilder sb = new StringBuilder();
        for (CategoryVerdict v : verdicts) {
            sb.append(v.category()).append(v.passed() ? ": ok" + bound(v)
                    : ": FAILED (tuned " + f3(v.tunedAccuracy()) + ", baseline " + f3(v.baselineAccuracy())
                    + ", p " + formatP(v.pValue()) + ")").append('\n');
        }
        return sb.toString();
    }

    private static String bound(CategoryVerdict v) {
        return Double.isNaN(v.threshold()) ? "" : " (tuned ≥ " + f3(v.threshold()) + ")";
    }

    static String formatP(double p) {
        return p < 1e-4 ? "<0.0001" : String.format(Locale.ROOT, "%.4f", p);
    }

    static String f3(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    /** A one-line, escaped and shortened rendering of a prompt or output. */
    static String quote(String s) {
        String e = s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                .replace("\"", "\\\"");
        if (e.length() > TEXT_WIDTH) {
            e = e.substring(0, TEXT_WIDTH) + "…";
        }
        return "\"" + e + "\"";
    }
}
