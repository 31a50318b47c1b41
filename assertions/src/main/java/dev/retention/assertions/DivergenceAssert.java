package dev.retention.assertions;

import dev.retention.diagnostics.DistributionDrift;
import org.assertj.core.api.AbstractAssert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Label-free drift of the next-token distributions ({@link DistributionDrift}):
 *
 * <pre>{@code
 * assertThatModel(tuned).nextTokenDivergenceFrom(base).onText(generalText).isAtMost(0.25);
 * }</pre>
 */
public class DivergenceAssert extends AbstractAssert<DivergenceAssert, TextComparison> {

    public DivergenceAssert(TextComparison actual) {
        super(actual, DivergenceAssert.class);
    }

    /** The text to compare on. */
    public DivergenceAssert onText(String text) {
        return with("text", text);
    }

    /** The UTF-8 text file to compare on. */
    public DivergenceAssert onText(Path file) {
        try {
            return with(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The mean per-token {@code KL(baseline ‖ tuned)} is at most {@code natsPerToken}. */
    public DivergenceAssert isAtMost(double natsPerToken) {
        isNotNull();
        if (actual.text().equals(TextComparison.UNSET)) {
            throw new IllegalStateException("name the text first: nextTokenDivergenceFrom(base).onText(text)");
        }
        Comparison c = actual.comparison();
        DistributionDrift d = DistributionDrift.on(actual.text(), c.baseline().evaluator().orElseThrow(
                () -> new IllegalStateException("next-token divergence needs the loaded baseline")),
                WeightComparison.loaded(c.tuned()));
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

    private DivergenceAssert with(String label, String text) {
        return Navigation.next(actual.comparison().softly(), DivergenceAssert.class, TextComparison.class,
                new TextComparison(actual.comparison(), label, text), DivergenceAssert::new, info.description());
    }
}
