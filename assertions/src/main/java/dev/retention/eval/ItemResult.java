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
 *     continuation of a loglikelihood item
 * @param truncatedTokens prompt tokens dropped from the left because the request did not fit the
 *     context window (the most over the item's requests; 0 when the model saw the whole prompt)
 * @param renderedPrompt the text the model was conditioned on: {@code prompt} after the run's prompt template or
 *     chat template ({@link PromptFormat#prompt}); equal to {@code prompt} when neither changed it
 */
@API(status = STABLE, since = "0.1")
public record ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                         double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                         String output, int truncatedTokens, String renderedPrompt) {

    /** Result of one item. */
    @API(status = STABLE, since = "0.1")
    public enum Outcome {
        PASS, FAIL, NOT_SCORED
    }

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

    /** An item whose prompt was scored as the suite gives it (no template changed it). */
    public ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                      double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                      String output, int truncatedTokens) {
        this(id, category, kind, severity, outcome, logLikelihood, tokens, words, bytes, prompt, expected, output,
                truncatedTokens, prompt);
    }

    /** An item whose prompt was scored whole, as the suite gives it. */
    public ItemResult(String id, String category, String kind, Optional<String> severity, Outcome outcome,
                      double logLikelihood, int tokens, long words, long bytes, String prompt, String expected,
                      String output) {
        this(id, category, kind, severity, outcome, logLikelihood, tokens, words, bytes, prompt, expected, output, 0);
    }

    /** Whether a prompt template or chat template changed the prompt (see {@link #renderedPrompt()}). */
    public boolean templated() {
        return !renderedPrompt.equals(prompt);
    }

    /** Whether the model saw only the end of the prompt (see {@link #truncatedTokens()}). */
    public boolean truncated() {
        return truncatedTokens > 0;
    }

    public boolean passed() {
        return outcome == Outcome.PASS;
    }

    public boolean isScored() {
        return outcome != Outcome.NOT_SCORED;
    }
}
