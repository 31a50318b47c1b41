package dev.retention.eval;

import org.apiguardian.api.API;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * How an {@link Evaluator} runs.
 *
 * @param batchSize rows per forward pass, where the choices of one multiple-choice item count as one
 *     row (on Hugging Face models they run as one packed row, their shared context once); long inputs
 *     travel in smaller batches ({@code batchSize × 256} token slots at most). Scores agree within
 *     1e-4 per token across batch sizes; use the same one for baseline and tuned model all the same,
 *     as lm-evaluation-harness advises
 * @param promptTemplate applied to every suite prompt and context before scoring; {@code {prompt}}
 *     is replaced by the item's text (e.g. {@code "<|user|>\n{prompt}\n<|assistant|>\n"} for a chat
 *     model). Perplexity texts are never templated, and neither are chat items that go through a chat template.
 * @param progress where progress of long work goes
 * @param progressInterval the least time between two progress reports
 * @param chatTemplate which chat template the chat items of a suite go through ({@code auto}: the model's own)
 * @param systemMessage a system message put before every chat item's user message, if any
 * @see PromptFormat for the requests these settings make of a suite item
 */
@API(status = STABLE, since = "0.1")
public record EvalConfig(int batchSize, String promptTemplate, ProgressListener progress, Duration progressInterval,
                         ChatTemplateSetting chatTemplate, Optional<String> systemMessage) {

    /** The placeholder of {@link #promptTemplate()}. */
    public static final String PROMPT = "{prompt}";

    public EvalConfig {
        Objects.requireNonNull(promptTemplate, "promptTemplate");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(progressInterval, "progressInterval");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(systemMessage, "systemMessage");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (!promptTemplate.contains(PROMPT)) {
            throw new IllegalArgumentException("promptTemplate must contain " + PROMPT + ": " + promptTemplate);
        }
    }

    /** A configuration with the model's own chat template ({@code auto}) and no system message. */
    public EvalConfig(int batchSize, String promptTemplate, ProgressListener progress, Duration progressInterval) {
        this(batchSize, promptTemplate, progress, progressInterval, ChatTemplateSetting.auto(), Optional.empty());
    }

    /** Batch size 16, no template, the model's own chat template for chat items, progress to standard error every 5 seconds. */
    public static EvalConfig defaults() {
        return new EvalConfig(16, PROMPT, ProgressListener.toStandardError(), Duration.ofSeconds(5));
    }

    /**
     * A meter for long work of {@code total} units: given the units finished so far, it reports
     * {@code task}'s progress to {@link #progress()} at most every {@link #progressInterval()}, and once
     * at the end of work that took longer than that; short work stays silent.
     */
    public LongConsumer progressMeter(String task, long total) {
        return new ProgressMeter(task, total, progress, progressInterval)::reach;
    }

    public EvalConfig withBatchSize(int n) {
        return new EvalConfig(n, promptTemplate, progress, progressInterval, chatTemplate, systemMessage);
    }

    public EvalConfig withPromptTemplate(String template) {
        return new EvalConfig(batchSize, template, progress, progressInterval, chatTemplate, systemMessage);
    }

    public EvalConfig withProgress(ProgressListener listener, Duration interval) {
        return new EvalConfig(batchSize, promptTemplate, listener, interval, chatTemplate, systemMessage);
    }

    /** Which chat template the chat items go through: {@code auto}, {@code none} or a file. */
    public EvalConfig withChatTemplate(ChatTemplateSetting setting) {
        return new EvalConfig(batchSize, promptTemplate, progress, progressInterval, setting, systemMessage);
    }

    /** A system message before every chat item's user message ({@code null}: none). */
    public EvalConfig withSystemMessage(String message) {
        return new EvalConfig(batchSize, promptTemplate, progress, progressInterval, chatTemplate,
                Optional.ofNullable(message));
    }

    String apply(String prompt) {
        return promptTemplate.equals(PROMPT) ? prompt : promptTemplate.replace(PROMPT, prompt);
    }
}
