package dev.retention.assertions;

import dev.retention.eval.Evaluator;
import dev.retention.eval.RollingLoglikelihood;
import org.apiguardian.api.API;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Perplexity retention on a general text (a cheap, label-free canary of general ability):
 * {@code assertThatModel(tuned).retains(baseline).perplexityOn(text).withinFactor(1.5)}.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class PerplexityAssert extends ChainedAssert<PerplexityAssert, TextComparison> {

    PerplexityAssert(TextComparison actual) {
        super(actual, PerplexityAssert.class);
    }

    /**
     * Passes iff the tuned model's perplexity on the text is at most {@code factor} times the
     * baseline's. Token perplexity ({@code exp(-ll / tokens)}) is used when both models share the
     * tokenizer (same {@code tokenizer.json}); otherwise word perplexity ({@code exp(-ll / words)},
     * words as lm-evaluation-harness counts them), which does not depend on the tokenizer, and the
     * verdict says the tokenizers differ. Both models must be loaded (a recorded scorecard holds no
     * per-text likelihoods). The verdict is published as a {@link PerplexityVerdict}, pass or fail.
     *
     * @param factor the largest allowed ratio {@code tuned / baseline} of the perplexities, at least 1
     * @return this assertion, for chaining
     * @throws IllegalArgumentException when {@code factor} is below 1 or not a number
     * @throws IllegalStateException naming the model when either model is a recorded scorecard
     */
    public PerplexityAssert withinFactor(double factor) {
        conclude();
        isNotNull();
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("factor must be at least 1 (tuned ≤ factor × baseline), got " + factor);
        }
        Comparison c = actual.comparison();
        Evaluator te = evaluator(c.tuned());
        Evaluator be = evaluator(c.baseline());
        RollingLoglikelihood t = te.rollingLoglikelihood(actual.text());
        RollingLoglikelihood b = be.rollingLoglikelihood(actual.text());
        long words = RollingLoglikelihood.words(actual.text());
        long bytes = actual.text().getBytes(StandardCharsets.UTF_8).length;
        // Per-token values of two tokenizers measure different units; words are the same for both.
        boolean sameTokens = Tokenizers.same(te.model(), be.model()) && t.tokens() == b.tokens();
        double tv = Math.exp(-t.logLikelihood() / (sameTokens ? t.tokens() : words));
        double bv = Math.exp(-b.logLikelihood() / (sameTokens ? b.tokens() : words));
        PerplexityVerdict v = new PerplexityVerdict(c.tuned().name(), c.baseline().name(), actual.label(),
                sameTokens ? "token perplexity" : Tokenizers.same(te.model(), be.model()) ? "word perplexity"
                        : "word perplexity (the tokenizers differ)", tv, bv, factor,
                -t.logLikelihood() / bytes / Math.log(2), -b.logLikelihood() / bytes / Math.log(2), t.tokens(),
                tv <= factor * bv);
        RetentionEvents.publish(v);
        if (!v.passed()) {
            failWithActualExpectedAndMessage(String.format(Locale.ROOT, "%.4f", tv),
                    String.format(Locale.ROOT, "≤ %.4f", factor * bv), "%s", String.format(Locale.ROOT,
                            "Expected %s's %s on %s to be at most %.2f × %s's, but it is %.2f × (%.4f vs %.4f; bits per "
                                    + "byte %.4f vs %.4f; %d tokens).", v.tuned(), v.metric(), v.text(), factor,
                            v.baseline(), v.ratio(), tv, bv, v.tunedBitsPerByte(), v.baselineBitsPerByte(), v.tokens()));
        }
        return myself;
    }

    private static Evaluator evaluator(ScoredModel m) {
        return m.evaluator().orElseThrow(() -> new IllegalStateException("perplexity on a text needs the loaded model; "
                + m.name() + " is a recorded scorecard (put the text in the suite as a perplexity item instead)"));
    }
}
