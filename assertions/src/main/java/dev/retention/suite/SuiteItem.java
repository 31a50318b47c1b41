package dev.retention.suite;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * One test item of a {@link Suite}. Four kinds, as in lm-evaluation-harness:
 * {@link Generate} (greedy generation judged by a {@link Check}), {@link Choice} (multiple choice
 * by log-likelihood), {@link Loglikelihood} (is the answer the greedy continuation?) and
 * {@link Perplexity} (a text whose likelihood is measured, not passed or failed).
 */
@API(status = STABLE, since = "0.1")
public sealed interface SuiteItem {

    /** Continuation delimiter used unless an item says otherwise (lm-evaluation-harness target_delimiter). */
    String DEFAULT_DELIMITER = " ";
    /** Token budget of a generate item unless it says otherwise. */
    int DEFAULT_MAX_TOKENS = 32;
    /** Stop strings of a generate item unless it says otherwise. */
    List<String> DEFAULT_STOP = List.of("\n");

    String id();

    String category();

    Optional<Severity> severity();

    List<String> tags();

    /** The suite-file name of this item's kind. */
    String kind();

    /** Whether the item is passed or failed (all kinds except perplexity). */
    default boolean isScored() {
        return !(this instanceof Perplexity);
    }

    /**
     * Whether the item is a chat item: its prompt or context is sent as the user message of the model's chat
     * template (when the run applies one, see {@code EvalConfig#chatTemplate()}) and its answer is scored as the
     * start of the assistant's reply. Perplexity texts are always scored as written.
     */
    default boolean chat() {
        return false;
    }

    /**
     * Greedy generation from {@code prompt}, judged by {@code check}.
     *
     * @param answer the reference continuation (scored for log-likelihood; the check's default operand)
     * @param chat whether this is a chat item ({@link SuiteItem#chat()})
     */
    @API(status = STABLE, since = "0.1")
    record Generate(String id, String category, String prompt, Optional<String> answer, Check check, int maxTokens,
                    List<String> stop, Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /** A generate item that is not a chat item. */
        public Generate(String id, String category, String prompt, Optional<String> answer, Check check, int maxTokens,
                        List<String> stop, Optional<Severity> severity, List<String> tags) {
            this(id, category, prompt, answer, check, maxTokens, stop, severity, tags, false);
        }

        public Generate {
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
     * @param normalized score by log-likelihood per character ({@code acc_norm}) instead of raw ({@code acc})
     * @param chat whether this is a chat item ({@link SuiteItem#chat()}); a chat item's choices are scored
     *     without the delimiter when a chat template is applied
     */
    @API(status = STABLE, since = "0.1")
    record Choice(String id, String category, String context, List<String> choices, int gold, String delimiter,
                  boolean normalized, Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /** A choice item that is not a chat item. */
        public Choice(String id, String category, String context, List<String> choices, int gold, String delimiter,
                      boolean normalized, Optional<Severity> severity, List<String> tags) {
            this(id, category, context, choices, gold, delimiter, normalized, severity, tags, false);
        }

        public Choice {
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
     * @param chat whether this is a chat item ({@link SuiteItem#chat()}); its answer is scored without the
     *     delimiter when a chat template is applied
     */
    @API(status = STABLE, since = "0.1")
    record Loglikelihood(String id, String category, String context, String answer, String delimiter,
                         Optional<Severity> severity, List<String> tags, boolean chat) implements SuiteItem {
        /** A loglikelihood item that is not a chat item. */
        public Loglikelihood(String id, String category, String context, String answer, String delimiter,
                             Optional<Severity> severity, List<String> tags) {
            this(id, category, context, answer, delimiter, severity, tags, false);
        }

        public Loglikelihood {
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

    /** A text whose rolling log-likelihood gives token perplexity, word perplexity and bits per byte. */
    @API(status = STABLE, since = "0.1")
    record Perplexity(String id, String category, String text, Optional<Severity> severity, List<String> tags)
            implements SuiteItem {
        public Perplexity {
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
