package dev.retention.eval;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link Evaluator} runs.
 *
 * @param batchSize requests per forward pass (scores agree within 1e-4 across batch sizes; use the
 *     same one for baseline and tuned model all the same, as lm-evaluation-harness advises)
 * @param promptTemplate applied to every suite prompt and context before scoring; {@code {prompt}}
 *     is replaced by the item's text (e.g. {@code "<|user|>\n{prompt}\n<|assistant|>\n"} for a chat
 *     model). Perplexity texts are never templated.
 * @param progress where progress of long work goes
 * @param progressInterval the least time between two progress reports
 */
public record EvalConfig(int batchSize, String promptTemplate, ProgressListener progress, Duration progressInterval) {

    /** The placeholder of {@link #promptTemplate()}. */
    public static final String PROMPT = "{prompt}";

    public EvalConfig {
        Objects.requireNonNull(promptTemplate, "promptTemplate");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(progressInterval, "progressInterval");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (!promptTemplate.contains(PROMPT)) {
            throw new IllegalArgumentException("promptTemplate must contain " + PROMPT + ": " + promptTemplate);
        }
    }

    /** Batch size 16, no template, progress to standard error every 5 seconds. */
    public static EvalConfig defaults() {
        return new EvalConfig(16, PROMPT, ProgressListener.toStandardError(), Duration.ofSeconds(5));
    }

    public EvalConfig withBatchSize(int n) {
        return new EvalConfig(n, promptTemplate, progress, progressInterval);
    }

    public EvalConfig withPromptTemplate(String template) {
        return new EvalConfig(batchSize, template, progress, progressInterval);
    }

    public EvalConfig withProgress(ProgressListener listener, Duration interval) {
        return new EvalConfig(batchSize, promptTemplate, listener, interval);
    }

    String apply(String prompt) {
        return promptTemplate.equals(PROMPT) ? prompt : promptTemplate.replace(PROMPT, prompt);
    }
}
