package dev.retention.assertions;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * An item whose outcome differs between the baseline and the tuned model.
 *
 * @param id item id
 * @param category item category
 * @param prompt the item's own prompt or context, as the suite gives it
 * @param expected what a pass looks like
 * @param baselineOutput what the baseline produced
 * @param tunedOutput what the tuned model produced
 * @param baselineTruncated prompt tokens the baseline did not see (left-truncated to its context window)
 * @param tunedTruncated prompt tokens the tuned model did not see
 * @param renderedPrompt the text the tuned model was conditioned on (after the prompt template or chat template);
 *     equal to {@code prompt} when no template changed it
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                         String tunedOutput, int baselineTruncated, int tunedTruncated, String renderedPrompt) {

    /**
     * A change whose prompt no template changed: {@code renderedPrompt} is {@code prompt}.
     *
     * @param id item id
     * @param category item category
     * @param prompt the item's own prompt or context, as the suite gives it
     * @param expected what a pass looks like
     * @param baselineOutput what the baseline produced
     * @param tunedOutput what the tuned model produced
     * @param baselineTruncated prompt tokens the baseline did not see
     * @param tunedTruncated prompt tokens the tuned model did not see
     */
    public ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                      String tunedOutput, int baselineTruncated, int tunedTruncated) {
        this(id, category, prompt, expected, baselineOutput, tunedOutput, baselineTruncated, tunedTruncated, prompt);
    }

    /**
     * A change whose prompt both models saw whole and no template changed: no truncated tokens, and
     * {@code renderedPrompt} is {@code prompt}.
     *
     * @param id item id
     * @param category item category
     * @param prompt the item's own prompt or context, as the suite gives it
     * @param expected what a pass looks like
     * @param baselineOutput what the baseline produced
     * @param tunedOutput what the tuned model produced
     */
    public ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                      String tunedOutput) {
        this(id, category, prompt, expected, baselineOutput, tunedOutput, 0, 0);
    }

    /**
     * Whether a prompt template or chat template changed the prompt (see {@link #renderedPrompt()}).
     *
     * @return {@code true} when {@code renderedPrompt} differs from {@code prompt}
     */
    public boolean templated() {
        return !renderedPrompt.equals(prompt);
    }

    /**
     * Whether either model saw only the end of the prompt.
     *
     * @return {@code true} when {@code baselineTruncated} or {@code tunedTruncated} is positive
     */
    public boolean truncated() {
        return baselineTruncated > 0 || tunedTruncated > 0;
    }
}
