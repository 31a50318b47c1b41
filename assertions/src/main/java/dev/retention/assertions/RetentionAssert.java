package dev.retention.assertions;

import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A tuned model compared with its baseline for retention. Pick the rule, then the categories, then
 * the tolerance:
 *
 * <pre>{@code
 * assertThatModel(tuned).retains(baseline).onCategory("math").within(0.10);
 * assertThatModel(tuned).retains(baseline).failingOnlyOnEvidenceOfForgetting(0.95).onEveryCategory().within(0.05);
 * assertThatModel(tuned).retains(baseline).passingOnlyOnEvidenceOfRetention(0.95).overall().within(0.02);
 * }</pre>
 */
@API(status = STABLE, since = "0.1")
public class RetentionAssert extends VerdictAssert<RetentionAssert, Comparison> {

    RetentionAssert(Comparison actual) {
        super(actual, RetentionAssert.class);
    }

    /** Compares on {@code suite} instead of the models' default suite. */
    @CheckReturnValue
    public RetentionAssert on(Suite suite) {
        return with(advance(), actual.withSuite(suite));
    }

    /**
     * Fail only when the data show forgetting beyond the tolerance at {@code confidence}: the
     * assertion fails iff the exact one-sided test of {@code H0: Δ ≥ -δ} rejects at
     * {@code α = 1 - confidence} (Holm-adjusted across categories). A noisy small suite then fails
     * by chance at most {@code α} of the time. See {@link VerdictRule#FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING}.
     */
    @CheckReturnValue
    public RetentionAssert failingOnlyOnEvidenceOfForgetting(double confidence) {
        ChainTracker.Link from = advance();
        return with(from, actual.withRule(VerdictRule.FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING, confidence));
    }

    /**
     * Pass only when the data show the drop is within the tolerance at {@code confidence}: the
     * assertion passes iff the exact non-inferiority test of {@code H0: Δ ≤ -δ} rejects at
     * {@code α = 1 - confidence} in every selected category. See
     * {@link VerdictRule#PASS_ONLY_ON_EVIDENCE_OF_RETENTION}.
     */
    @CheckReturnValue
    public RetentionAssert passingOnlyOnEvidenceOfRetention(double confidence) {
        ChainTracker.Link from = advance();
        return with(from, actual.withRule(VerdictRule.PASS_ONLY_ON_EVIDENCE_OF_RETENTION, confidence));
    }

    /** One category; an unknown name fails with the list of known categories. */
    @CheckReturnValue
    public RetentionCategoriesAssert onCategory(String category) {
        return onCategories(category);
    }

    @CheckReturnValue
    public RetentionCategoriesAssert onCategories(String... categories) {
        ChainTracker.Link from = advance(); // first: a refused selection leaves no chain open
        return select(from, new CategorySelection(actual, CategoryNames.named(categories), false, false));
    }

    /** Every category of the suite that has scored items, each judged on its own. */
    @CheckReturnValue
    public RetentionCategoriesAssert onEveryCategory() {
        return select(advance(), new CategorySelection(actual, List.of(), true, false));
    }

    /** All scored items of the suite pooled into one row named {@code overall}. */
    @CheckReturnValue
    public RetentionCategoriesAssert overall() {
        return select(advance(), new CategorySelection(actual, List.of(), false, true));
    }

    /** Perplexity of both live models on {@code text}. */
    @CheckReturnValue
    public PerplexityAssert perplexityOn(String text) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), PerplexityAssert.class, TextComparison.class,
                new TextComparison(actual, "text", text), PerplexityAssert::new, info.description());
    }

    /** Perplexity of both live models on a UTF-8 text file. */
    @CheckReturnValue
    public PerplexityAssert perplexityOn(Path textFile) {
        ChainTracker.Link from = advance();
        try {
            return Navigation.next(from, actual.softly(), PerplexityAssert.class, TextComparison.class,
                    new TextComparison(actual, textFile.getFileName().toString(),
                            Files.readString(textFile, StandardCharsets.UTF_8)), PerplexityAssert::new,
                    info.description());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read perplexity text " + textFile, e);
        }
    }

    /**
     * Canaries: the tuned model must pass every item of severity {@code minimum} or more severe
     * (items with a {@code severity}, e.g. {@link Suite#canaries()}) that the baseline passes.
     */
    public RetentionAssert everyCanaryAtLeast(Severity minimum) {
        conclude();
        isNotNull();
        checkVerdicts("canary", () -> Judge.canaries(actual, minimum),
                v -> "Expected " + actual.tuned().name() + " to pass every " + minimum.label()
                        + "-or-worse canary of suite " + v.get(0).suite() + " that " + actual.baseline().name()
                        + " passes, but " + v.stream().mapToInt(CategoryVerdict::regressions).sum() + " regressed:");
        return myself;
    }

    private RetentionAssert with(ChainTracker.Link from, Comparison c) {
        return Navigation.next(from, actual.softly(), RetentionAssert.class, Comparison.class, c, RetentionAssert::new,
                info.description());
    }

    private RetentionCategoriesAssert select(ChainTracker.Link from, CategorySelection s) {
        return Navigation.next(from, actual.softly(), RetentionCategoriesAssert.class, CategorySelection.class, s,
                RetentionCategoriesAssert::new, info.description());
    }
}
