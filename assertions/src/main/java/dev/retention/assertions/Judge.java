package dev.retention.assertions;

import dev.retention.eval.ItemResult;
import dev.retention.eval.Scorecard;
import dev.retention.stats.Holm;
import dev.retention.stats.Interval;
import dev.retention.stats.MarginTestResult;
import dev.retention.stats.McNemar;
import dev.retention.stats.PValueMethod;
import dev.retention.stats.PairedBootstrap;
import dev.retention.stats.PairedCounts;
import dev.retention.stats.PairedMarginTest;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Computes {@link CategoryVerdict}s: pairs the two scorecards item by item, then applies the
 * comparison's {@link VerdictRule}.
 */
final class Judge {

    static final int RESAMPLES = 10_000;
    static final long SEED = 1234L;
    private static final double EPS = 1e-12;

    /** How far below the baseline the tuned model may fall. */
    record Tolerance(boolean relative, double value) {
        Tolerance {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException("tolerance must be in [0, 1), got " + value);
            }
        }

        double threshold(double baseline) {
            return relative ? (1 - value) * baseline : baseline - value;
        }

        String describe() {
            return relative ? String.format(Locale.ROOT, "relative r = %.3f", value)
                    : String.format(Locale.ROOT, "δ = %.3f", value);
        }
    }

    /** The scored, paired items of one category of both scorecards. */
    private record Paired(String category, List<ItemResult> baseline, List<ItemResult> tuned) {
        boolean[] passes(List<ItemResult> items) {
            boolean[] out = new boolean[items.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = items.get(i).passed();
            }
            return out;
        }
    }

    private Judge() {
    }

    static List<CategoryVerdict> retention(CategorySelection sel, Tolerance tol) {
        Comparison c = sel.comparison();
        if (tol.relative() && c.rule() != VerdictRule.POINT_ESTIMATE) {
            throw new IllegalArgumentException("withinRelative(r) is a point comparison; with " + c.rule().label()
                    + " use within(δ), an absolute margin the exact test can be built on");
        }
        List<Paired> pairs = pair(sel);
        double alpha = 1 - c.confidence();
        double[] p = new double[pairs.size()];
        boolean asymptotic = false;
        for (int i = 0; i < pairs.size(); i++) {
            Paired pr = pairs.get(i);
            PairedCounts counts = PairedCounts.of(pr.passes(pr.baseline()), pr.passes(pr.tuned()));
            MarginTestResult m = switch (c.rule()) {
                case POINT_ESTIMATE -> null;
                case FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING -> PairedMarginTest.forgettingBeyondMargin(counts, tol.value());
                case PASS_ONLY_ON_EVIDENCE_OF_RETENTION -> PairedMarginTest.retentionWithinMargin(counts, tol.value());
            };
            p[i] = m == null ? McNemar.exactOneSidedPValue(counts.regressions(), counts.improvements()) : m.pValue();
            asymptotic |= m != null && m.method() == PValueMethod.ASYMPTOTIC;
        }
        String test = asymptotic ? "Tango score (asymptotic above " + PairedMarginTest.EXACT_MAX_ITEMS + " items)"
                : "exact unconditional (Tango score)";
        String pName = switch (c.rule()) {
            case POINT_ESTIMATE -> "McNemar exact one-sided, H0: no regression";
            case FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING -> test + ", H0: Δ ≥ -δ" + (pairs.size() > 1 ? ", Holm-adjusted" : "");
            case PASS_ONLY_ON_EVIDENCE_OF_RETENTION -> test + ", H0: Δ ≤ -δ";
        };
        if (c.rule() == VerdictRule.FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING && pairs.size() > 1) {
            p = Holm.adjust(p);
        }
        List<CategoryVerdict> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            Paired pr = pairs.get(i);
            double base = accuracy(pr.baseline());
            double tuned = accuracy(pr.tuned());
            double threshold = tol.threshold(base);
            boolean passed = switch (c.rule()) {
                case POINT_ESTIMATE -> tuned >= threshold - EPS;
                case FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING -> p[i] > alpha;
                case PASS_ONLY_ON_EVIDENCE_OF_RETENTION -> p[i] <= alpha;
            };
            out.add(verdict(c, pr, p[i], pName, threshold, tol.describe(), passed));
        }
        return out;
    }

    static List<CategoryVerdict> improvement(CategorySelection sel, double minGain) {
        if (!(minGain > -1 && minGain <= 1)) {
            throw new IllegalArgumentException("minimum gain must be in (-1, 1], got " + minGain);
        }
        Comparison c = sel.comparison();
        List<CategoryVerdict> out = new ArrayList<>();
        for (Paired pr : pair(sel)) {
            PairedCounts counts = PairedCounts.of(pr.passes(pr.baseline()), pr.passes(pr.tuned()));
            double base = accuracy(pr.baseline());
            double tuned = accuracy(pr.tuned());
            // One-sided McNemar for "tuned is better": swap the roles of regressions and improvements.
            double p = McNemar.exactOneSidedPValue(counts.improvements(), counts.regressions());
            out.add(verdict(c, pr, p, "McNemar exact one-sided, H0: no improvement", base + minGain,
                    String.format(Locale.ROOT, "gain ≥ %.3f", minGain), tuned >= base + minGain - EPS));
        }
        return out;
    }

    /** Canaries: in each category, no item of at least {@code minimum} severity may regress. */
    static List<CategoryVerdict> canaries(Comparison c, Severity minimum) {
        Suite suite = c.resolveSuite();
        Scorecard base = c.baseline().scorecard(suite);
        Scorecard tuned = c.tuned().scorecard(suite);
        java.util.Map<String, Paired> byCategory = new java.util.TreeMap<>();
        for (ItemResult r : base.items()) {
            boolean canary = r.severity().map(s -> Severity.valueOf(s.toUpperCase(Locale.ROOT)).atLeast(minimum))
                    .orElse(false);
            if (canary && r.isScored()) {
                Paired pr = byCategory.computeIfAbsent(r.category(), k -> new Paired(k, new ArrayList<>(),
                        new ArrayList<>()));
                pr.baseline().add(r);
                pr.tuned().add(tuned.item(r.id()).orElseThrow());
            }
        }
        if (byCategory.isEmpty()) {
            throw new UnknownCategoryException("suite " + suite.name() + " has no scored items of severity "
                    + minimum.label() + " or worse; canaries are items with a 'severity' (see Suite.canaries())");
        }
        List<CategoryVerdict> out = new ArrayList<>();
        for (Paired pr : byCategory.values()) {
            PairedCounts counts = PairedCounts.of(pr.passes(pr.baseline()), pr.passes(pr.tuned()));
            out.add(verdict(c, pr, McNemar.exactOneSidedPValue(counts.regressions(), counts.improvements()),
                    "McNemar exact one-sided, H0: no regression", Double.NaN,
                    "no " + minimum.label() + "-or-worse canary may regress", counts.regressions() == 0));
        }
        return out;
    }

    private static CategoryVerdict verdict(Comparison c, Paired pr, double p, String pName, double threshold,
                                           String tolerance, boolean passed) {
        boolean[] b = pr.passes(pr.baseline());
        boolean[] t = pr.passes(pr.tuned());
        PairedCounts counts = PairedCounts.of(b, t);
        Interval ci = new PairedBootstrap(RESAMPLES, 0.95, SEED).accuracyDifference(b, t);
        List<ItemChange> newly = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (b[i] && !t[i]) {
                ItemResult bi = pr.baseline().get(i);
                ItemResult ti = pr.tuned().get(i);
                newly.add(new ItemChange(bi.id(), bi.category(), bi.prompt(), bi.expected(), bi.output(), ti.output()));
            }
        }
        return new CategoryVerdict(c.tuned().name(), c.baseline().name(), c.resolveSuite().name(), pr.category(),
                b.length, accuracy(pr.baseline()), accuracy(pr.tuned()), counts.regressions(), counts.improvements(),
                ci, p, pName, threshold, tolerance, c.rule(), passed, newly);
    }

    private static double accuracy(List<ItemResult> items) {
        long k = items.stream().filter(ItemResult::passed).count();
        return (double) k / items.size();
    }

    /** Pairs both scorecards' scored items by id for each selected category, in suite order. */
    private static List<Paired> pair(CategorySelection sel) {
        Comparison c = sel.comparison();
        Suite suite = c.resolveSuite();
        Scorecard base = c.baseline().scorecard(suite);
        Scorecard tuned = c.tuned().scorecard(suite);
        List<String> names;
        if (sel.overall()) {
            names = List.of("overall");
        } else if (sel.every()) {
            names = base.categories().values().stream().filter(s -> s.hasAccuracy()).map(s -> s.name()).toList();
        } else {
            names = sel.categories();
            for (String n : names) {
                if (!base.categories().containsKey(n)) {
                    throw new UnknownCategoryException("no category '" + n + "' in suite " + suite.name()
                            + "; known categories: " + String.join(", ", base.categories().keySet()));
                }
                if (!base.category(n).hasAccuracy()) {
                    throw new UnknownCategoryException("category '" + n + "' of suite " + suite.name()
                            + " has only perplexity items; compare it with perplexityOn(...)");
                }
            }
        }
        List<Paired> out = new ArrayList<>();
        for (String n : names) {
            List<ItemResult> b = new ArrayList<>();
            List<ItemResult> t = new ArrayList<>();
            for (ItemResult r : base.items()) {
                if (r.isScored() && (sel.overall() || r.category().equals(n))) {
                    ItemResult other = tuned.item(r.id()).orElseThrow(() -> new IllegalStateException(
                            "item '" + r.id() + "' is in the baseline scorecard but not the tuned one"));
                    b.add(r);
                    t.add(other);
                }
            }
            if (b.isEmpty()) {
                throw new UnknownCategoryException("no scored items in " + suite.name() + "/" + n);
            }
            out.add(new Paired(n, b, t));
        }
        return out;
    }

    /** A category name that the suite does not have; its message lists the known ones. */
    static final class UnknownCategoryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownCategoryException(String message) {
            super(message);
        }
    }
}
