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
 *
 * <p>Without a rule the comparison is a {@link VerdictRule#POINT_ESTIMATE point estimate}. Each step
 * returns a new assertion and leaves this one unchanged.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class RetentionAssert extends VerdictAssert<RetentionAssert, Comparison> {

    RetentionAssert(Comparison actual) {
        super(actual, RetentionAssert.class);
    }

    /**
     * Compares on {@code suite} instead of the models' default suite.
     *
     * @param suite the suite to compare the two models on
     * @return a retention assertion on {@code suite}, for chaining
     */
    @CheckReturnValue
    public RetentionAssert on(Suite suite) {
        return with(advance(), actual.withSuite(suite));
    }

    /**
     * Fail only when the data show forgetting beyond the tolerance at {@code confidence}: the
     * assertion fails iff the exact one-sided test of {@code H0: Δ ≥ -δ} rejects at
     * {@code α = 1 - confidence} (Holm-adjusted across categories). A noisy small suite then fails
     * by chance at most {@code α} of the time. See {@link VerdictRule#FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING}.
     *
     * @param confidence the confidence level, strictly between 0.5 and 1, e.g. {@code 0.95}
     * @return a retention assertion judged by this rule, to continue with the categories
     * @throws IllegalArgumentException when {@code confidence} is not strictly between 0.5 and 1
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
     *
     * @param confidence the confidence level, strictly between 0.5 and 1, e.g. {@code 0.95}
     * @return a retention assertion judged by this rule, to continue with the categories
     * @throws IllegalArgumentException when {@code confidence} is not strictly between 0.5 and 1
     */
    @CheckReturnValue
    public RetentionAssert passingOnlyOnEvidenceOfRetention(double confidence) {
        ChainTracker.Link from = advance();
        return with(from, actual.withRule(VerdictRule.PASS_ONLY_ON_EVIDENCE_OF_RETENTION, confidence));
    }

    /**
     * One category; an unknown name fails with the list of known categories. The name is checked
     * against the suite when the verdict is evaluated; a category that holds only perplexity items
     * fails likewise.
     *
     * @param category the category's name, as in the suite
     * @return the category assertion, to finish with {@code within(δ)} or {@code withinRelative(r)}
     */
    @CheckReturnValue
    public RetentionCategoriesAssert onCategory(String category) {
        return onCategories(category);
    }

    /**
     * The named categories, each judged on its own; an unknown name fails with the list of known
     * categories when the verdict is evaluated.
     *
     * @param categories one or more category names, as in the suite
     * @return the category assertion, to finish with {@code within(δ)} or {@code withinRelative(r)}
     * @throws IllegalArgumentException when no name is given (every category is {@link #onEveryCategory()})
     */
    @CheckReturnValue
    public RetentionCategoriesAssert onCategories(String... categories) {
        ChainTracker.Link from = advance(); // first: a refused selection leaves no chain open
        return select(from, new CategorySelection(actual, CategoryNames.named(categories), false, false));
    }

    /**
     * Every category of the suite that has scored items, each judged on its own.
     *
     * @return the category assertion, to finish with {@code within(δ)} or {@code withinRelative(r)}
     */
    @CheckReturnValue
    public RetentionCategoriesAssert onEveryCategory() {
        return select(advance(), new CategorySelection(actual, List.of(), true, false));
    }

    /**
     * All scored items of the suite pooled into one row named {@code overall}.
     *
     * @return the category assertion, to finish with {@code within(δ)} or {@code withinRelative(r)}
     */
    @CheckReturnValue
    public RetentionCategoriesAssert overall() {
        return select(advance(), new CategorySelection(actual, List.of(), false, true));
    }

    /**
     * Perplexity of both live models on {@code text}; verdicts and messages name it just {@code text}.
     *
     * @param text the text itself, not empty
     * @return the perplexity assertion, to finish with {@code withinFactor(f)}
     * @throws IllegalArgumentException when {@code text} is empty
     */
    @CheckReturnValue
    public PerplexityAssert perplexityOn(String text) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), PerplexityAssert.class, TextComparison.class,
                new TextComparison(actual, "text", text), PerplexityAssert::new, info.description());
    }

    /**
     * Perplexity of both live models on a UTF-8 text file, read here; the verdict names the text by
     * the file's name.
     *
     * @param textFile the text file, not empty
     * @return the perplexity assertion, to finish with {@code withinFactor(f)}
     * @throws java.io.UncheckedIOException naming the file when it cannot be read
     * @throws IllegalArgumentException when the file is empty
     */
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
     * Judged per category, whatever rule the chain chose; fails as well when the suite has no scored
     * item of that severity.
     *
     * @param minimum the least severity that counts, e.g. {@link Severity#HIGH}
     * @return this assertion, for chaining
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
