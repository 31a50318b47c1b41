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
 */
public record ItemChange(String id, String category, String prompt, String expected, String baselineOutput,
                         String tunedOutput) {
}
