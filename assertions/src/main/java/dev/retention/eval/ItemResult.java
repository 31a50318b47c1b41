package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * How a model did on one suite item.
 *
 * @param id item id
 * @param category item category
 * @param kind generate, choice, loglikelihood or perplexity
 * @param severity the item's severity label, if any (critical, high, medium, low)
 * @param outcome pass, fail, or not scored (perplexity items)
 * @param logLikelihood natural-log likelihood: of the answer (generate, loglikelihood), of the gold
 *     choice (choice) or of the whole text (perplexity); NaN when a generate item has no answer
 * @param tokens tokens behind {@code logLikelihood}
 * @param words whitespace-separated words of a perplexity text (0 otherwise)
 * @param bytes UTF-8 bytes of a perplexity text (0 otherwise)
 * @param prompt the item's own prompt or context, as the suite gives it (the question: what messages show)
 * @param expected what a pass looks like (answer, gold choice, check)
 * @param output what the model produced: the generation, the chosen choice, or the greedy
 *     continuation of a loglikelihood item; for a perplexity item, whose {@code prompt} and {@code expected} are
 *     empty, its token perplexity as text ({@code token perplexity 12.3456})
 * @param truncatedTokens prompt tokens dropped from the left because the request did not fit the
 *     context window (the most over the item's requests; 0 when the model saw the whole prompt)
 * @param renderedPrompt the text the model was conditioned on: {@code prompt} after the run's prompt template or
 *     chat template ({@link PromptFormat#prompt}); equal to {@code prompt} when neither changed it
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                         double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                         String output, int truncatedTokens, String renderedPrompt) {

    /** Result of one item. */
    @API(status = STABLE, since = "0.1")
    public enum Outcome {
        /** The item passed: its check held, its gold choice won, or its answer was the greedy continuation. */
        PASS,
        /** The item was scored and did not pass. */
        FAIL,
        /** The item is not pass/fail: a perplexity item, which contributes only to the perplexity figures. */
        NOT_SCORED
    }

    /**
     * A result with every component given.
     *
     * @param id item id
     * @param category item category
     * @param kind generate, choice, loglikelihood or perplexity
     * @param severity the item's severity label, if any
     * @param outcome pass, fail, or not scored
     * @param logLikelihood natural-log likelihood (see {@link #logLikelihood()}); NaN for none
     * @param tokens tokens behind {@code logLikelihood}
     * @param words whitespace-separated words of a perplexity text (0 otherwise)
     * @param bytes UTF-8 bytes of a perplexity text (0 otherwise)
     * @param prompt the item's own prompt or context, as the suite gives it
     * @param expected what a pass looks like
     * @param output what the model produced
     * @param truncatedTokens prompt tokens dropped from the left to fit the context window, 0 or more
     * @param renderedPrompt the text the model was conditioned on, after any template
     * @throws NullPointerException naming the component when {@code id}, {@code category}, {@code kind},
     *     {@code severity}, {@code outcome}, {@code prompt}, {@code expected}, {@code output} or
     *     {@code renderedPrompt} is null
     * @throws IllegalArgumentException when {@code truncatedTokens} is negative
     */
    public ItemResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(renderedPrompt, "renderedPrompt");
        if (truncatedTokens < 0) {
            throw new IllegalArgumentException("truncatedTokens must not be negative, got " + truncatedTokens);
        }
    }

    /**
     * An item whose prompt was scored as the suite gives it (no template changed it): {@code renderedPrompt} is
     * {@code prompt}.
     *
     * @param id item id
     * @param category item category
     * @param kind generate, choice, loglikelihood or perplexity
     * @param severity the item's severity label, if any
     * @param outcome pass, fail, or not scored
     * @param logLikelihood natural-log likelihood (see {@link #logLikelihood()}); NaN for none
     * @param tokens tokens behind {@code logLikelihood}
     * @param words whitespace-separated words of a perplexity text (0 otherwise)
     * @param bytes UTF-8 bytes of a perplexity text (0 otherwise)
     * @param prompt the item's own prompt or context, also taken as the rendered prompt
     * @param expected what a pass looks like
     * @param output what the model produced
     * @param truncatedTokens prompt tokens dropped from the left to fit the context window, 0 or more
     * @throws NullPointerException when a reference argument is null
     * @throws IllegalArgumentException when {@code truncatedTokens} is negative
     */
    public ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                      double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                      String output, int truncatedTokens) {
        this(id, category, kind, severity, outcome, logLikelihood, tokens, words, bytes, prompt, expected, output,
                truncatedTokens, prompt);
    }

    /**
     * An item whose prompt was scored whole, as the suite gives it: {@code truncatedTokens} is 0 and
     * {@code renderedPrompt} is {@code prompt}.
     *
     * @param id item id
     * @param category item category
     * @param kind generate, choice, loglikelihood or perplexity
     * @param severity the item's severity label, if any
     * @param outcome pass, fail, or not scored
     * @param logLikelihood natural-log likelihood (see {@link #logLikelihood()}); NaN for none
     * @param tokens tokens behind {@code logLikelihood}
     * @param words whitespace-separated words of a perplexity text (0 otherwise)
     * @param bytes UTF-8 bytes of a perplexity text (0 otherwise)
     * @param prompt the item's own prompt or context, also taken as the rendered prompt
     * @param expected what a pass looks like
     * @param output what the model produced
     * @throws NullPointerException when a reference argument is null
     */
    public ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                      double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                      String output) {
        this(id, category, kind, severity, outcome, logLikelihood, tokens, words, bytes, prompt, expected, output, 0);
    }

    /**
     * Whether a prompt template or chat template changed the prompt (see {@link #renderedPrompt()}).
     *
     * @return true when {@code renderedPrompt} differs from {@code prompt}
     */
    public boolean templated() {
        return !renderedPrompt.equals(prompt);
    }

    /**
     * Whether the model saw only the end of the prompt (see {@link #truncatedTokens()}).
     *
     * @return true when {@code truncatedTokens} is above 0
     */
    public boolean truncated() {
        return truncatedTokens > 0;
    }

    /**
     * Whether the item passed.
     *
     * @return true for {@link Outcome#PASS}; false for a failed item and for a perplexity item
     */
    public boolean passed() {
        return outcome == Outcome.PASS;
    }

    /**
     * Whether the item is pass/fail, and so counts towards accuracy.
     *
     * @return false for {@link Outcome#NOT_SCORED} (perplexity items), true otherwise
     */
    public boolean isScored() {
        return outcome != Outcome.NOT_SCORED;
    }
}
