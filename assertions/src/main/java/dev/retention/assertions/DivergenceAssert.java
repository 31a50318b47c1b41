package dev.retention.assertions;

import dev.retention.diagnostics.internal.DistributionDrift;
import dev.retention.eval.Evaluator;
import dev.retention.model.CausalLm;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Label-free drift of the next-token distributions ({@link DistributionDrift}):
 *
 * <pre>{@code
 * assertThatModel(tuned).nextTokenDivergenceFrom(base).onText(generalText).isAtMost(0.25);
 * }</pre>
 *
 * <p>Both models must be loaded and use the same tokenizer, since the distributions are compared
 * token by token.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public class DivergenceAssert extends ChainedAssert<DivergenceAssert, TextComparison> {

    DivergenceAssert(TextComparison actual) {
        super(actual, DivergenceAssert.class);
    }

    /**
     * The text to compare on; verdicts and messages name it just {@code text}.
     *
     * @param text the text itself, not empty
     * @return a divergence assertion on {@code text}, to finish with {@code isAtMost(nats)}
     * @throws IllegalArgumentException when {@code text} is empty
     */
    @CheckReturnValue
    public DivergenceAssert onText(String text) {
        return with(advance(), "text", text);
    }

    /**
     * The UTF-8 text file to compare on, read here; the verdict names it by the file's name.
     *
     * @param file the text file, not empty
     * @return a divergence assertion on the file's text, to finish with {@code isAtMost(nats)}
     * @throws java.io.UncheckedIOException naming the file when it cannot be read
     * @throws IllegalArgumentException when the file is empty
     */
    @CheckReturnValue
    public DivergenceAssert onText(Path file) {
        ChainTracker.Link from = advance();
        try {
            return with(from, file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * The mean per-token {@code KL(baseline ‖ tuned)} is at most {@code natsPerToken}. A failure
     * lists the tokens whose probability fell most; the verdict is published as a
     * {@link DiagnosticVerdict} of kind {@code divergence}, pass or fail.
     *
     * @param natsPerToken the largest allowed mean divergence, in nats per token
     * @return this assertion, for chaining
     * @throws IllegalStateException when no text was chosen with {@code onText}, when either model is
     *     a recorded scorecard, or when the two models do not share a tokenizer (the message names both)
     * @throws IllegalArgumentException when {@code natsPerToken} is negative or NaN
     */
    public DivergenceAssert isAtMost(double natsPerToken) {
        conclude();
        if (!(natsPerToken >= 0)) {
            throw new IllegalArgumentException("the divergence bound must be at least 0 nats per token, got "
                    + natsPerToken);
        }
        isNotNull();
        if (actual.text().equals(TextComparison.UNSET)) {
            throw new IllegalStateException("name the text first: nextTokenDivergenceFrom(base).onText(text)");
        }
        Comparison c = actual.comparison();
        Evaluator baseline = c.baseline().evaluator().orElseThrow(() -> new IllegalStateException(
                "next-token divergence needs the loaded baseline model, but " + c.baseline().name()
                        + " is a recorded scorecard; declare the baseline model itself"));
        CausalLm tuned = WeightComparison.loaded(c.tuned());
        Tokenizers.requireSame(baseline.model(), tuned, "next-token divergence compares the two models' "
                + "distributions token by token");
        DistributionDrift d = DistributionDrift.on(actual.text(), baseline, tuned);
        List<String> details = d.largestFalls().stream().map(f -> String.format(Locale.ROOT,
                "…%s[%s]: p %.4f → %.4f", VerdictTable.quote(f.context()), f.token(), f.baselineProbability(),
                f.tunedProbability())).toList();
        boolean ok = d.meanKl() <= natsPerToken;
        RetentionEvents.publish(new DiagnosticVerdict("divergence", d.tuned(), d.baseline(),
                "mean KL(baseline ‖ tuned) per token on " + actual.label() + " (" + d.tokens() + " tokens)", d.meanKl(),
                String.format(Locale.ROOT, "≤ %.4g nats", natsPerToken), ok, details));
        if (!ok) {
            failWithMessage("%s", String.format(Locale.ROOT, "Expected the mean next-token KL(%s ‖ %s) on %s to be at most "
                    + "%.4g nats per token, but it is %.4g over %d tokens. Tokens whose probability fell most:%n  %s",
                    d.baseline(), d.tuned(), actual.label(), natsPerToken, d.meanKl(), d.tokens(),
                    String.join("\n  ", details)));
        }
        return myself;
    }

    private DivergenceAssert with(ChainTracker.Link from, String label, String text) {
        return Navigation.next(from, actual.comparison().softly(), DivergenceAssert.class, TextComparison.class,
                new TextComparison(actual.comparison(), label, text), DivergenceAssert::new, info.description());
    }
}
