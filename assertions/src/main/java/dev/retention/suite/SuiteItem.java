package dev.retention.suite;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * One test item of a {@link Suite}. Four kinds, as in lm-evaluation-harness:
 * {@link Generate} (greedy generation judged by a {@link Check}), {@link Choice} (multiple choice
 * by log-likelihood), {@link Loglikelihood} (is the answer the greedy continuation?) and
 * {@link Perplexity} (a text whose likelihood is measured, not passed or failed).
 *
 * <p>Items are immutable: their constructors copy the lists they are given. The constructors check what a
 * single item can get wrong and throw {@link IllegalArgumentException} naming the field; ids are checked
 * for uniqueness by the {@link Suite} that holds them.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public sealed interface SuiteItem {

    /** Continuation delimiter used unless an item says otherwise (lm-evaluation-harness target_delimiter). */
    String DEFAULT_DELIMITER = " ";
    /** Token budget of a generate item unless it says otherwise. */
    int DEFAULT_MAX_TOKENS = 32;
    /** Stop strings of a generate item unless it says otherwise. */
    List<String> DEFAULT_STOP = List.of("\n");

    /**
     * The item's id, unique within its suite; results, scorecards and reports refer to the item by it.
     *
     * @return the item's id, as in its suite file
     */
    String id();

    /**
     * The category the item counts towards; retention is judged per category.
     *
     * @return the item's category name, as in its suite file
     */
    String category();

    /**
     * How much a failure of this item matters; canary assertions select items by it.
     *
     * @return the item's severity, or empty when its suite file gives none
     */
    Optional<Severity> severity();

    /**
     * Free-form labels of the item. They are part of the item's canonical form (and so of the suite's content
     * hash), but no scoring or assertion acts on them.
     *
     * @return an unmodifiable list of the item's tags, in file order; empty when it has none
     */
    List<String> tags();

    /**
     * The suite-file name of this item's kind.
     *
     * @return {@code "generate"}, {@code "choice"}, {@code "loglikelihood"} or {@code "perplexity"}
     */
    String kind();

    /**
     * Whether the item is passed or failed (all kinds except perplexity).
     *
     * @return false for a {@link Perplexity} item, true for every other kind
     */
    default boolean isScored() {
        return !(this instanceof Perplexity);
    }

    /**
     * Whether the item is a chat item: its prompt or context is sent as the user message of the model's chat
     * template (when the run applies one, see {@code EvalConfig#chatTemplate()}) and its answer is scored as the
     * start of the assistant's reply. Perplexity texts are always scored as written.
     *
     * @return true for a chat item; always false for a perplexity item (the default of this method)
     */
    default boolean chat() {
        return false;
    }

    /**
     * Fails with a {@link NullPointerException} naming the first null component.
     *
     * @param namesAndValues alternating component names and values
     */
    private static void requireNamed(Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Objects.requireNonNull(namesAndValues[i + 1], (String) namesAndValues[i]);
        }
    }

    /**
     * Greedy generation from {@code prompt}, judged by {@code check}.
     *
     * @param id the item's id, unique in its suite
     * @param category the item's category
     * @param prompt the text generation starts from
     * @param answer the reference continuation (scored for log-likelihood; the check's default operand)
     * @param check how the generated output is judged
     * @param maxTokens the most tokens generated, at least 1 (file default {@value #DEFAULT_MAX_TOKENS})
     * @param stop strings that end generation when produced, none empty (file default {@code ["\n"]})
     * @param severity the item's severity, or empty
     * @param tags the item's tags (copied)
     * @param chat whether this is a chat item ({@link SuiteItem#chat()})
     */
    @API(status = STABLE, since = "0.1")
    record Generate(String id, String category, String prompt, Optional<String> answer, Check check, int maxTokens,
                    List<String> stop, Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /**
         * A generate item that is not a chat item.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param prompt the text generation starts from
         * @param answer the reference continuation, or empty when the check has its own {@code expect}
         * @param check how the generated output is judged
         * @param maxTokens the most tokens generated, at least 1
         * @param stop strings that end generation, none empty
         * @param severity the item's severity, or empty
         * @param tags the item's tags
         * @throws IllegalArgumentException as the canonical constructor does
         */
        public Generate(String id, String category, String prompt, Optional<String> answer, Check check, int maxTokens,
                        List<String> stop, Optional<Severity> severity, List<String> tags) {
            this(id, category, prompt, answer, check, maxTokens, stop, severity, tags, false);
        }

        /**
         * Validates the item and copies its lists.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param prompt the text generation starts from
         * @param answer the reference continuation, or empty when the check has its own {@code expect}
         * @param check how the generated output is judged
         * @param maxTokens the most tokens generated, at least 1
         * @param stop strings that end generation, none empty; copied
         * @param severity the item's severity, or empty
         * @param tags the item's tags; copied
         * @param chat whether this is a chat item
         * @throws IllegalArgumentException if {@code maxTokens < 1}, a stop string is empty, or neither
         *     {@code answer} nor the check's {@code expect} is present for a check other than json
         */
        public Generate {
            requireNamed("id", id, "category", category, "prompt", prompt, "answer", answer, "check", check,
                    "stop", stop, "severity", severity, "tags", tags);
            stop = List.copyOf(stop);
            tags = List.copyOf(tags);
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
            }
            if (check.expect().isEmpty() && answer.isEmpty() && check.type() != Check.Type.JSON) {
                throw new IllegalArgumentException("a " + check.type().label() + " check needs 'answer' or 'expect'");
            }
            for (String s : stop) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("stop strings must not be empty");
                }
            }
        }

        @Override
        public String kind() {
            return "generate";
        }
    }

    /**
     * Multiple choice: each choice is scored as the continuation {@code delimiter + choice}; the
     * item passes when the highest-scoring choice is {@code gold}.
     *
     * @param id the item's id, unique in its suite
     * @param category the item's category
     * @param context the text each choice continues
     * @param choices the candidate continuations, at least 2 and distinct
     * @param gold the 0-based index of the right choice
     * @param delimiter what separates the context from each choice (file default {@code " "})
     * @param normalized score by log-likelihood per character ({@code acc_norm}) instead of raw ({@code acc})
     * @param severity the item's severity, or empty
     * @param tags the item's tags (copied)
     * @param chat whether this is a chat item ({@link SuiteItem#chat()}); a chat item's choices are scored
     *     without the delimiter when a chat template is applied
     */
    @API(status = STABLE, since = "0.1")
    record Choice(String id, String category, String context, List<String> choices, int gold, String delimiter,
                  boolean normalized, Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /**
         * A choice item that is not a chat item.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param context the text each choice continues
         * @param choices the candidate continuations, at least 2 and distinct
         * @param gold the 0-based index of the right choice
         * @param delimiter what separates the context from each choice
         * @param normalized true for {@code acc_norm}, false for {@code acc}
         * @param severity the item's severity, or empty
         * @param tags the item's tags
         * @throws IllegalArgumentException as the canonical constructor does
         */
        public Choice(String id, String category, String context, List<String> choices, int gold, String delimiter,
                      boolean normalized, Optional<Severity> severity, List<String> tags) {
            this(id, category, context, choices, gold, delimiter, normalized, severity, tags, false);
        }

        /**
         * Validates the item and copies its lists.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param context the text each choice continues
         * @param choices the candidate continuations, at least 2 and distinct; copied
         * @param gold the 0-based index of the right choice
         * @param delimiter what separates the context from each choice
         * @param normalized true for {@code acc_norm}, false for {@code acc}
         * @param severity the item's severity, or empty
         * @param tags the item's tags; copied
         * @param chat whether this is a chat item
         * @throws IllegalArgumentException if there are fewer than 2 choices, the choices are not distinct,
         *     {@code delimiter + choice} is empty for some choice, or {@code gold} is not an index of the choices
         */
        public Choice {
            requireNamed("id", id, "category", category, "context", context, "choices", choices,
                    "delimiter", delimiter, "severity", severity, "tags", tags);
            if (choices.stream().anyMatch(Objects::isNull)) {
                throw new NullPointerException("a choice is null");
            }
            choices = List.copyOf(choices);
            tags = List.copyOf(tags);
            if (choices.size() < 2) {
                throw new IllegalArgumentException("a choice item needs at least 2 choices");
            }
            if (choices.stream().anyMatch(c -> (delimiter + c).isEmpty())) {
                throw new IllegalArgumentException("choices must not be empty");
            }
            if (choices.stream().distinct().count() != choices.size()) {
                throw new IllegalArgumentException("choices must be distinct");
            }
            if (gold < 0 || gold >= choices.size()) {
                throw new IllegalArgumentException("gold " + gold + " is not an index of the " + choices.size() + " choices");
            }
        }

        @Override
        public String kind() {
            return "choice";
        }
    }

    /**
     * Passes when {@code delimiter + answer} is the greedy continuation of {@code context}.
     *
     * @param id the item's id, unique in its suite
     * @param category the item's category
     * @param context the text the answer continues
     * @param answer the continuation that must be the greedy one
     * @param delimiter what separates the context from the answer (file default {@code " "})
     * @param severity the item's severity, or empty
     * @param tags the item's tags (copied)
     * @param chat whether this is a chat item ({@link SuiteItem#chat()}); its answer is scored without the
     *     delimiter when a chat template is applied
     */
    @API(status = STABLE, since = "0.1")
    record Loglikelihood(String id, String category, String context, String answer, String delimiter,
                         Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /**
         * A loglikelihood item that is not a chat item.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param context the text the answer continues
         * @param answer the continuation that must be the greedy one
         * @param delimiter what separates the context from the answer
         * @param severity the item's severity, or empty
         * @param tags the item's tags
         * @throws IllegalArgumentException as the canonical constructor does
         */
        public Loglikelihood(String id, String category, String context, String answer, String delimiter,
                             Optional<Severity> severity, List<String> tags) {
            this(id, category, context, answer, delimiter, severity, tags, false);
        }

        /**
         * Validates the item and copies its tags.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param context the text the answer continues
         * @param answer the continuation that must be the greedy one
         * @param delimiter what separates the context from the answer
         * @param severity the item's severity, or empty
         * @param tags the item's tags; copied
         * @param chat whether this is a chat item
         * @throws IllegalArgumentException if {@code delimiter + answer} is empty
         */
        public Loglikelihood {
            requireNamed("id", id, "category", category, "context", context, "answer", answer,
                    "delimiter", delimiter, "severity", severity, "tags", tags);
            tags = List.copyOf(tags);
            if ((delimiter + answer).isEmpty()) {
                throw new IllegalArgumentException("answer must not be empty");
            }
        }

        @Override
        public String kind() {
            return "loglikelihood";
        }
    }

    /**
     * A text whose rolling log-likelihood gives token perplexity, word perplexity and bits per byte.
     * Never a chat item and never passed or failed by itself ({@link #isScored()} is false).
     *
     * @param id the item's id, unique in its suite
     * @param category the item's category
     * @param text the text whose likelihood is measured, not empty
     * @param severity the item's severity, or empty
     * @param tags the item's tags (copied)
     */
    @API(status = STABLE, since = "0.1")
    record Perplexity(String id, String category, String text, Optional<Severity> severity, List<String> tags)
            implements SuiteItem {
        /**
         * Validates the item and copies its tags.
         *
         * @param id the item's id, unique in its suite
         * @param category the item's category
         * @param text the text whose likelihood is measured, not empty
         * @param severity the item's severity, or empty
         * @param tags the item's tags; copied
         * @throws IllegalArgumentException if {@code text} is empty
         */
        public Perplexity {
            requireNamed("id", id, "category", category, "text", text, "severity", severity, "tags", tags);
            tags = List.copyOf(tags);
            if (text.isEmpty()) {
                throw new IllegalArgumentException("text must not be empty");
            }
        }

        @Override
        public String kind() {
            return "perplexity";
        }
    }
}
