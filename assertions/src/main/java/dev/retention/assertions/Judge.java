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
import dev.retention.suite.SuiteItem;

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
    /**
     * Rounding slack of every threshold comparison of accuracies (verdicts, checkpoint metrics, budgets):
     * a value that equals its threshold up to floating-point error of the differences passes.
     */
    static final double EPS = 1e-12;

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
        Cards cards = cards(c, suite);
        java.util.Map<String, Paired> byCategory = new java.util.TreeMap<>();
        for (SuiteItem item : suite.items()) {
            boolean canary = item.severity().map(s -> s.atLeast(minimum)).orElse(false);
            if (canary && item.isScored()) {
                Paired pr = byCategory.computeIfAbsent(item.category(), k -> new Paired(k, new ArrayList<>(),
                        new ArrayList<>()));
                pr.baseline().add(cards.baselineItem(item));
                pr.tuned().add(cards.tunedItem(item));
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
        List<String> truncated = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            ItemResult bi = pr.baseline().get(i);
            ItemResult ti = pr.tuned().get(i);
            if (b[i] && !t[i]) {
                // the tuned card's prompt: a baseline recorded before prompts were kept apart from their
                // rendering holds the rendered text there
                newly.add(new ItemChange(bi.id(), bi.category(), ti.prompt(), bi.expected(), bi.output(), ti.output(),
                        bi.truncatedTokens(), ti.truncatedTokens(), ti.renderedPrompt()));
            }
            if (bi.truncated() || ti.truncated()) {
                truncated.add(bi.id());
            }
        }
        return new CategoryVerdict(c.tuned().name(), c.baseline().name(), c.resolveSuite().name(), pr.category(),
                b.length, accuracy(pr.baseline()), accuracy(pr.tuned()), counts.regressions(), counts.improvements(),
                ci, p, pName, threshold, tolerance, c.rule(), passed, newly, truncated);
    }

    private static double accuracy(List<ItemResult> items) {
        long k = items.stream().filter(ItemResult::passed).count();
        return (double) k / items.size();
    }

    /**
     * Pairs both scorecards' results for the scored items of each selected category of the suite, in
     * suite order. Categories and items come from the suite being asserted, never from a scorecard.
     */
    private static List<Paired> pair(CategorySelection sel) {
        Comparison c = sel.comparison();
        Suite suite = c.resolveSuite();
        Cards cards = cards(c, suite);
        List<String> scored = suite.categories().stream()
                .filter(cat -> suite.items(cat).stream().anyMatch(SuiteItem::isScored)).toList();
        List<String> names;
        if (sel.overall()) {
            names = List.of("overall");
        } else if (sel.every()) {
            names = scored;
        } else {
            names = sel.categories();
            for (String n : names) {
                boolean recorded = cards.baseline().categories().containsKey(n) || cards.tuned().categories().containsKey(n);
                CategoryNames.requireKnown(n, suite.name(), suite.categories(),
                        recorded ? " (a scorecard has it, but the suite being asserted does not)" : "");
                if (!scored.contains(n)) {
                    throw new UnknownCategoryException("category '" + n + "' of suite " + suite.name()
                            + " has only perplexity items; compare it with perplexityOn(...)");
                }
            }
        }
        List<Paired> out = new ArrayList<>();
        for (String n : names) {
            List<ItemResult> b = new ArrayList<>();
            List<ItemResult> t = new ArrayList<>();
            for (SuiteItem item : suite.items()) {
                if (item.isScored() && (sel.overall() || item.category().equals(n))) {
                    b.add(cards.baselineItem(item));
                    t.add(cards.tunedItem(item));
                }
            }
            if (b.isEmpty()) {
                throw new UnknownCategoryException("no scored items in " + suite.name() + "/" + n);
            }
            out.add(new Paired(n, b, t));
        }
        return out;
    }

    /** Both scorecards of a comparison on one suite, checked to have been scored alike. */
    record Cards(Suite suite, ScoredModel baselineModel, Scorecard baseline, ScoredModel tunedModel, Scorecard tuned) {
        ItemResult baselineItem(SuiteItem item) {
            return item(baselineModel, baseline, item);
        }

        ItemResult tunedItem(SuiteItem item) {
            return item(tunedModel, tuned, item);
        }

        private ItemResult item(ScoredModel m, Scorecard card, SuiteItem item) {
            return card.item(item.id()).orElseThrow(() -> new IllegalStateException("item " + item.id() + " of suite "
                    + suite.name() + " is missing from the scorecard of " + describe(m, card)
                    + "; score it on the suite being asserted"));
        }
    }

    /** The scorecards of both models on {@code suite}; refused when they were scored with different settings. */
    static Cards cards(Comparison c, Suite suite) {
        Scorecard base = c.baseline().scorecard(suite);
        Scorecard tuned = c.tuned().scorecard(suite);
        comparable(c.baseline(), base, c.tuned(), tuned);
        return new Cards(suite, c.baseline(), base, c.tuned(), tuned);
    }

    /** Scores computed with different settings (batch size aside) are not comparable: refused, naming both. */
    static void comparable(ScoredModel baseline, Scorecard base, ScoredModel tuned, Scorecard other) {
        List<String> diff = base.scoring().differencesFrom(other.scoring());
        if (diff.isEmpty()) {
            return;
        }
        boolean recorded = baseline instanceof RecordedScoredModel || tuned instanceof RecordedScoredModel;
        boolean chat = !base.scoring().chatTemplate().equals(other.scoring().chatTemplate());
        throw new IllegalStateException(describe(baseline, base) + " and " + describe(tuned, other) + " were scored "
                + "with different settings (baseline vs tuned: " + String.join(", ", diff) + "), so their scores are "
                + "not comparable. " + (recorded ? "Record the baseline again with this run's settings "
                + "(-Dretention.baseline.record=true), or run with the recorded ones (retention.contextLength, "
                + "retention.promptTemplate, retention.addBosToken" + (chat ? ", retention.chatTemplate" : "") + ")."
                : "Score both with one configuration (one EvalConfig; for different context windows, "
                + "retention.contextLength or ModelOptions.withContextLength)." + (chat ? " The chat items went "
                + "through different chat templates (each model's own, under retention.chatTemplate=auto): give "
                + "both one template with retention.chatTemplate=<file> (EvalConfig.withChatTemplate("
                + "ChatTemplateSetting.file(path))), or none." : "")));
    }

    private static String describe(ScoredModel m, Scorecard card) {
        if (m instanceof RecordedScoredModel r) {
            String file = r.source(card);
            return m.name() + (file.isEmpty() ? " (recorded)" : " (recorded in " + file + ")");
        }
        return m.name();
    }

    /** A category name that the suite does not have; its message lists the known ones. */
    static final class UnknownCategoryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownCategoryException(String message) {
            super(message);
        }
    }
}
