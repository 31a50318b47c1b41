package dev.retention.report;

import dev.retention.assertions.TradeOff;

import java.util.Locale;

/**
 * A checkpoint sweep drawn as inline SVG: domain accuracy (y) against general retention (x,
 * {@code 1 - worst category drop}) per checkpoint, in training order, with the forgetting budget as
 * a vertical line and the chosen checkpoint circled.
 */
final class TradeOffSvg {

    private static final int W = 560;
    private static final int H = 380;
    private static final int L = 60;
    private static final int B = 50;
    private static final int T = 20;
    private static final int R = 130;

    private TradeOffSvg() {
    }

    static void render(StringBuilder h, TradeOff c, String test) {
        h.append("<h2>Trade-off: domain gain against general retention</h2>\n<p class=\"muted\">")
                .append(ReportHtml.esc(test)).append(" · baseline ").append(ReportHtml.esc(c.baseline()))
                .append(" · budget: no general category may drop more than ").append(ReportHtml.f(c.budget(), 2))
                .append(" · chosen: ").append(ReportHtml.esc(c.chosen().orElse("none (the first checkpoint is over budget)")))
                .append("</p>\n");
        int pw = W - L - R;
        int ph = H - T - B;
        h.append("<svg width=\"").append(W).append("\" height=\"").append(H)
                .append("\" role=\"img\" aria-label=\"domain accuracy against general retention per checkpoint\">");
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%.2f</text>", x(v, pw), T,
                    x(v, pw), T + ph, x(v, pw), T + ph + 16, v));
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%.2f</text>", L, y(v, ph),
                    L + pw, y(v, ph), L - 6, y(v, ph) + 4, v));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">general retention "
                + "(1 - worst category drop)</text>", L + pw / 2, H - 8));
        h.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">domain accuracy</text>", T + ph / 2, T + ph / 2));
        double bx = x(1 - c.budget(), pw);
        h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#b3261e\" "
                + "stroke-dasharray=\"5,3\"><title>budget %.2f</title></line>", bx, T, bx, T + ph, c.budget()));
        StringBuilder path = new StringBuilder();
        for (TradeOff.Point p : c.points()) {
            path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f",
                    x(p.generalRetention(), pw), y(p.domainAccuracy(), ph)));
        }
        h.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#1f6feb\"/>");
        for (TradeOff.Point p : c.points()) {
            double px = x(p.generalRetention(), pw);
            double py = y(p.domainAccuracy(), ph);
            boolean chosen = c.chosen().map(p.name()::equals).orElse(false);
            h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"#000\">"
                            + "<title>%s: retention %.3f, general mean %.3f, domain %.3f</title></circle>", px, py,
                    chosen ? 7 : 4, chosen ? "#17692b" : "#1f6feb", ReportHtml.esc(p.name()), p.generalRetention(),
                    p.generalMean(), p.domainAccuracy()));
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">%s</text>", px + 8, py - 6,
                    ReportHtml.esc(p.name())));
        }
        h.append("</svg>\n<table><tr><th class=\"l\">model</th><th>general retention</th><th>general mean</th>"
                + "<th>domain</th></tr>");
        for (TradeOff.Point p : c.points()) {
            h.append("<tr><td class=\"l\">").append(ReportHtml.esc(p.name())).append("</td><td>")
                    .append(ReportHtml.f(p.generalRetention(), 3)).append("</td><td>").append(ReportHtml.f(p.generalMean(), 3))
                    .append("</td><td>").append(ReportHtml.f(p.domainAccuracy(), 3)).append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static double x(double v, int pw) {
        return L + v * pw;
    }

    private static double y(double v, int ph) {
        return T + (1 - v) * ph;
    }
}
