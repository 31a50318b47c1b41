package dev.retention.assertions;

/**
 * An item whose outcome differs between the baseline and the tuned model.
 *
 * @param id item id
 * @param category item category
 * @param prompt the prompt or context
 * @param expected what a pass looks like
 * @param baselineOutput what the baseline produced
 * @param tunedOutput what the tuned model produced
 * @param baselineTruncated prompt tokens the baseline did not see (left-truncated to its context window)
 * @param tunedTruncated prompt tokens the tuned model did not see
 */
public record ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                         String tunedOutput, int baselineTruncated, int tunedTruncated) {

    /** A change whose prompt both models saw whole. */
    public ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                      String tunedOutput) {
        this(id, category, prompt, expected, baselineOutput, tunedOutput, 0, 0);
    }

    /** Whether either model saw only the end of the prompt. */
    public boolean truncated() {
        return baselineTruncated > 0 || tunedTruncated > 0;
    }
}
