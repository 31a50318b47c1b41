package dev.retention.eval.internal;

import dev.retention.io.internal.Sha256;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.PromptFormat;
import dev.retention.suite.Suite;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Everything besides model and suite that can change a score; part of every cache key.
 *
 * @param batchSize requests per forward pass (moves scores at the 1e-6 level)
 * @param contextLength context window used, in tokens
 * @param addBosToken whether BOS was prepended
 * @param promptTemplate the prompt template
 * @param library Retention version ({@link LibraryVersion#retention()})
 * @param engine inference engine and version ({@link LibraryVersion#engine()})
 * @param chatTemplate SHA-256 (hex) of the chat template applied to the suite's chat items, or empty when none
 *     was (no chat items, setting {@code none}, or {@code auto} and a model without a template)
 * @param systemMessage the system message of the chat items, when a chat template was applied and the run set one
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ScoringConfig(int batchSize, int contextLength, boolean addBosToken, String promptTemplate,
                            String library, String engine, Optional<String> chatTemplate,
                            Optional<String> systemMessage) {

    /**
     * Checks that the object components are present and consistent; the numbers are taken as given.
     *
     * @param batchSize requests per forward pass
     * @param contextLength context window used, in tokens
     * @param addBosToken whether BOS was prepended
     * @param promptTemplate the prompt template
     * @param library Retention version
     * @param engine inference engine and version
     * @param chatTemplate SHA-256 (hex) of the chat template applied to the suite's chat items, or empty when none
     *     was
     * @param systemMessage the system message of the chat items; present only together with {@code chatTemplate}
     * @throws NullPointerException naming the component when {@code promptTemplate}, {@code library},
     *     {@code engine}, {@code chatTemplate} or {@code systemMessage} is null
     * @throws IllegalArgumentException when a system message is given without a chat template
     */
    public ScoringConfig {
        Objects.requireNonNull(promptTemplate, "promptTemplate");
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(systemMessage, "systemMessage");
        if (chatTemplate.isEmpty() && systemMessage.isPresent()) {
            throw new IllegalArgumentException("a system message is recorded only with the chat template it went "
                    + "through");
        }
    }

    /**
     * A configuration under which no chat template was applied: {@link #chatTemplate()} and
     * {@link #systemMessage()} are empty.
     *
     * @param batchSize requests per forward pass
     * @param contextLength context window used, in tokens
     * @param addBosToken whether BOS was prepended
     * @param promptTemplate the prompt template
     * @param library Retention version
     * @param engine inference engine and version
     * @throws NullPointerException naming the argument when {@code promptTemplate}, {@code library} or
     *     {@code engine} is null
     */
    public ScoringConfig(int batchSize, int contextLength, boolean addBosToken, String promptTemplate, String library,
                         String engine) {
        this(batchSize, contextLength, addBosToken, promptTemplate, library, engine, Optional.empty(), Optional.empty());
    }

    /**
     * The configuration an {@link dev.retention.eval.Evaluator} with {@code config} uses for {@code model} on
     * {@code suite} (which chat template, if any, its chat items go through).
     *
     * @param model the model
     * @param config the evaluation settings
     * @param suite the suite
     * @return the configuration
     */
    public static ScoringConfig of(dev.retention.model.internal.ModelDescriptor model, EvalConfig config, Suite suite) {
        return of(model, config, PromptFormat.of(model, config).appliedTemplate(suite));
    }

    /**
     * The configuration under which {@code model} is scored with {@code config}.
     *
     * @param model the model
     * @param config the evaluation settings
     * @param chatTemplate SHA-256 (hex) of the chat template applied to the suite's chat items, if one was
     * @return the configuration, recording the system message only when a chat template was applied
     */
    public static ScoringConfig of(dev.retention.model.internal.ModelDescriptor model, EvalConfig config,
                                   Optional<String> chatTemplate) {
        return new ScoringConfig(config.batchSize(), model.contextLength(), model.addBosToken(), config.promptTemplate(),
                LibraryVersion.retention(), LibraryVersion.engine(), chatTemplate,
                chatTemplate.isPresent() ? config.systemMessage() : Optional.empty());
    }

    /**
     * The settings in which {@code other} differs from this configuration, except the batch size (which
     * moves scores only at the float-rounding level), e.g. {@code contextLength 128 vs 64}. Scores
     * compared with each other must have been computed with none of these differences.
     *
     * @param other the configuration to compare with
     * @return one {@code "<setting> <this> vs <other>"} line per differing setting, in the order context
     *     length, BOS, prompt template, chat template (as {@code sha256:} and its first 12 hex characters, or
     *     {@code none}), system message, Retention version, engine; empty when the scores are comparable.
     *     A new, modifiable list
     */
    public List<String> differencesFrom(ScoringConfig other) {
        List<String> d = new ArrayList<>();
        if (contextLength != other.contextLength) {
            d.add("contextLength " + contextLength + " vs " + other.contextLength);
        }
        if (addBosToken != other.addBosToken) {
            d.add("addBosToken " + addBosToken + " vs " + other.addBosToken);
        }
        if (!promptTemplate.equals(other.promptTemplate)) {
            d.add("promptTemplate \"" + promptTemplate + "\" vs \"" + other.promptTemplate + "\"");
        }
        if (!chatTemplate.equals(other.chatTemplate)) {
            d.add("chat template " + chatLabel(chatTemplate) + " vs " + chatLabel(other.chatTemplate));
        }
        if (!systemMessage.equals(other.systemMessage)) {
            d.add("system message " + systemMessage.map(s -> "\"" + s + "\"").orElse("none") + " vs "
                    + other.systemMessage.map(s -> "\"" + s + "\"").orElse("none"));
        }
        if (!library.equals(other.library)) {
            d.add("Retention " + library + " vs " + other.library);
        }
        if (!engine.equals(other.engine)) {
            d.add("engine " + engine + " vs " + other.engine);
        }
        return d;
    }

    private static String chatLabel(Optional<String> sha256) {
        return sha256.map(h -> "sha256:" + h.substring(0, Math.min(12, h.length())) + "…").orElse("none");
    }

    /**
     * SHA-256 (hex) of every field, for cache keys. (The chat fields count only when a chat template was applied,
     * so a run without one keeps the key it had before chat templates existed.) The batch size counts
     * here, although {@link #differencesFrom} ignores it. Computed on every call.
     *
     * @return 64 lower-case hex characters
     */
    public String hash() {
        String s = String.join("\u0000", Integer.toString(batchSize), Integer.toString(contextLength),
                Boolean.toString(addBosToken), promptTemplate, library, engine);
        if (chatTemplate.isPresent()) {
            s = String.join("\u0000", s, "chat", chatTemplate.get(), systemMessage.map(m -> "system\u0000" + m)
                    .orElse("no system"));
        }
        return Sha256.hex(s);
    }
}
