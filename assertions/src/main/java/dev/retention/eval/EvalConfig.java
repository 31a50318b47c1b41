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
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record EvalConfig(int batchSize, String promptTemplate, ProgressListener progress, Duration progressInterval,
                         ChatTemplateSetting chatTemplate, Optional<String> systemMessage) {

    /** The placeholder of {@link #promptTemplate()}. */
    public static final String PROMPT = "{prompt}";

    /**
     * A configuration with every setting given.
     *
     * @param batchSize rows per forward pass, at least 1
     * @param promptTemplate the prompt template; must contain {@value #PROMPT}
     * @param progress where progress reports go
     * @param progressInterval the least time between two progress reports
     * @param chatTemplate which chat template the chat items go through
     * @param systemMessage a system message before every chat item's user message, or empty for none
     * @throws NullPointerException naming the component when {@code promptTemplate}, {@code progress},
     *     {@code progressInterval}, {@code chatTemplate} or {@code systemMessage} is null
     * @throws IllegalArgumentException when {@code batchSize} is below 1, or when {@code promptTemplate} does not
     *     contain {@value #PROMPT} (the message quotes the template)
     */
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

    /**
     * A configuration with the model's own chat template ({@code auto}) and no system message.
     *
     * @param batchSize rows per forward pass, at least 1 (see {@link #batchSize()})
     * @param promptTemplate the prompt template; must contain {@value #PROMPT}
     * @param progress where progress reports go
     * @param progressInterval the least time between two progress reports
     * @throws NullPointerException when {@code promptTemplate}, {@code progress} or {@code progressInterval} is null
     * @throws IllegalArgumentException when {@code batchSize} is below 1 or {@code promptTemplate} lacks
     *     {@value #PROMPT}
     */
    public EvalConfig(int batchSize, String promptTemplate, ProgressListener progress, Duration progressInterval) {
        this(batchSize, promptTemplate, progress, progressInterval, ChatTemplateSetting.auto(), Optional.empty());
    }

    /**
     * Batch size 16, no template, the model's own chat template for chat items, progress to standard error every
     * 5 seconds.
     *
     * @return the default configuration: prompt template {@value #PROMPT} alone (prompts unchanged), chat template
     *     {@code auto}, no system message, progress through {@link ProgressListener#toStandardError()}
     */
    public static EvalConfig defaults() {
        return new EvalConfig(16, PROMPT, ProgressListener.toStandardError(), Duration.ofSeconds(5));
    }

    /**
     * A meter for long work of {@code total} units: given the units finished so far, it reports
     * {@code task}'s progress to {@link #progress()} at most every {@link #progressInterval()}, and once
     * at the end of work that took longer than that; short work stays silent.
     *
     * <p>The meter returned here is not thread-safe: feed it from one thread (the evaluation's own meter,
     * fed by several streams, is).
     *
     * @param task what is running, as the reports name it (see {@link Progress#task()})
     * @param total units the work has in all
     * @return a consumer that takes the number of units finished so far (a running total, not an increment)
     */
    public LongConsumer progressMeter(String task, long total) {
        return new ProgressMeter(task, total, progress, progressInterval)::reach;
    }

    /**
     * A copy of this configuration with another batch size; this one is unchanged.
     *
     * @param n rows per forward pass, at least 1 (see {@link #batchSize()})
     * @return the new configuration
     * @throws IllegalArgumentException when {@code n} is below 1
     */
    public EvalConfig withBatchSize(int n) {
        return new EvalConfig(n, promptTemplate, progress, progressInterval, chatTemplate, systemMessage);
    }

    /**
     * A copy of this configuration with another prompt template; this one is unchanged.
     *
     * @param template the template, containing {@value #PROMPT} where the item's text goes
     * @return the new configuration
     * @throws NullPointerException when {@code template} is null
     * @throws IllegalArgumentException when {@code template} does not contain {@value #PROMPT}
     */
    public EvalConfig withPromptTemplate(String template) {
        return new EvalConfig(batchSize, template, progress, progressInterval, chatTemplate, systemMessage);
    }

    /**
     * A copy of this configuration that reports progress elsewhere or at another pace; this one is unchanged.
     *
     * @param listener where progress reports go ({@link ProgressListener#none()} for none)
     * @param interval the least time between two reports
     * @return the new configuration
     * @throws NullPointerException when {@code listener} or {@code interval} is null
     */
    public EvalConfig withProgress(ProgressListener listener, Duration interval) {
        return new EvalConfig(batchSize, promptTemplate, listener, interval, chatTemplate, systemMessage);
    }

    /**
     * Which chat template the chat items go through: {@code auto}, {@code none} or a file.
     *
     * @param setting the chat template setting
     * @return a copy of this configuration with {@code setting}; this one is unchanged
     * @throws NullPointerException when {@code setting} is null
     */
    public EvalConfig withChatTemplate(ChatTemplateSetting setting) {
        return new EvalConfig(batchSize, promptTemplate, progress, progressInterval, setting, systemMessage);
    }

    /**
     * A system message before every chat item's user message ({@code null}: none).
     *
     * @param message the system message, or null for none
     * @return a copy of this configuration with {@code message}; this one is unchanged
     */
    public EvalConfig withSystemMessage(String message) {
        return new EvalConfig(batchSize, promptTemplate, progress, progressInterval, chatTemplate,
                Optional.ofNullable(message));
    }

    String apply(String prompt) {
        return promptTemplate.equals(PROMPT) ? prompt : promptTemplate.replace(PROMPT, prompt);
    }
}
