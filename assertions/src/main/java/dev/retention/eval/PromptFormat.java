package dev.retention.eval;

import dev.retention.model.CausalLm;
import dev.retention.model.ChatTemplate;
import dev.retention.model.ChatTemplateException;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.apiguardian.api.API;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;
import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * How a run turns a suite item into the requests it scores, for one model and one {@link EvalConfig}.
 * {@link Evaluator#score(Suite)} (and so the JUnit extension) builds every request of a suite here, so these are
 * exactly the requests behind a scorecard:
 *
 * <pre>{@code
 * PromptFormat format = PromptFormat.of(lm, config);
 * String scored = format.prompt(item);                       // the text the model is conditioned on
 * List<Loglikelihood> ll = Evaluator.of(lm, config).loglikelihood(format.loglikelihoodRequests(item));
 * }</pre>
 *
 * <p>A plain item's prompt or context goes through the run's prompt template ({@link EvalConfig#promptTemplate()}).
 * A chat item ({@link SuiteItem#chat()}) goes through the chat template that {@link EvalConfig#chatTemplate()}
 * gives the model, when there is one: the item's text is the user message (after the system message, if the run
 * sets one), rendered with {@code add_generation_prompt=true} and the model's special tokens as transformers'
 * {@code apply_chat_template} renders it; the prompt template is not applied, and the continuation of a choice or
 * loglikelihood item is scored without its delimiter (lm-evaluation-harness does the same with a chat template):
 * the answer is the start of the assistant's reply. Templates that call {@code strftime_now} see the fixed date
 * 26 July 2024 (the date Llama 3's templates fall back to), so a prompt does not change from one day to the next.
 *
 * <p>The rendered text is tokenized like any other; when it already begins with the BOS token (a template that
 * writes {@code {{ bos_token }}}), the tokenizer adds no second one even if the model options add BOS.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class PromptFormat {

    /** What {@code strftime_now} returns in a template: a fixed day, so prompts do not depend on the date. */
    static final Clock TEMPLATE_CLOCK = Clock.fixed(LocalDate.of(2024, 7, 26).atStartOfDay().toInstant(ZoneOffset.UTC),
            ZoneOffset.UTC);

    private final ModelDescriptor model;
    private final EvalConfig config;
    private volatile Chat chat; // resolved on first use, so suites without chat items never read a template

    private record Chat(Optional<ChatTemplate> template, Map<String, Object> variables) {
    }

    private PromptFormat(ModelDescriptor model, EvalConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * The requests {@code config} makes for the loaded model {@code model}.
     *
     * @param model the loaded model, whose files give its own chat template and special tokens
     * @param config the run's prompt template, chat template setting and system message
     * @return the format; nothing is read until a chat template is first needed
     * @throws NullPointerException when {@code model} or {@code config} is null
     */
    public static PromptFormat of(CausalLm model, EvalConfig config) {
        return of(model.descriptor(), config);
    }

    /**
     * The requests {@code config} makes for {@code model} (read from its files; nothing is loaded). For
     * Retention's own packages, as the model description is an internal type; users pass a {@link CausalLm}.
     *
     * @param model the model's description
     * @param config the run's prompt template, chat template setting and system message
     * @return the format; nothing is read until a chat template is first needed
     * @throws NullPointerException naming the argument when {@code model} or {@code config} is null
     */
    @API(status = INTERNAL, since = "0.1")
    public static PromptFormat of(ModelDescriptor model, EvalConfig config) {
        return new PromptFormat(model, config);
    }

    /**
     * The chat template chat items go through for this model and configuration, read on first use; empty when
     * none applies (setting {@code none}, or {@code auto} and the model has none).
     *
     * @return the template, its {@code strftime_now} fixed to 26 July 2024, or empty when none applies
     * @throws dev.retention.model.ModelLoadException naming the file when a template cannot be read
     */
    public Optional<ChatTemplate> chatTemplate() {
        return chat().template();
    }

    /**
     * Whether {@code item} goes through the chat template: it is a chat item and a template applies.
     *
     * @param item a suite item
     * @return true when {@link SuiteItem#chat()} is set and {@link #chatTemplate()} is present
     * @throws dev.retention.model.ModelLoadException naming the file when the item is a chat item and the
     *     template cannot be read
     */
    public boolean appliesChatTemplate(SuiteItem item) {
        return item.chat() && chatTemplate().isPresent();
    }

    /**
     * The text the model is conditioned on for {@code item}: its prompt (generate) or context (choice,
     * loglikelihood) through the chat template or the prompt template.
     *
     * @param item a generate, choice or loglikelihood item
     * @return the rendered prompt, as {@link ItemResult#renderedPrompt()} records it
     * @throws IllegalArgumentException for a perplexity item, whose text is scored as written
     * @throws ChatTemplateException naming the item and the template when the template cannot render it
     * @throws dev.retention.model.ModelLoadException naming the file when a chat template cannot be read
     */
    public String prompt(SuiteItem item) {
        if (item instanceof SuiteItem.Perplexity p) {
            throw new IllegalArgumentException("item " + p.id() + " is a perplexity item: its text is scored as "
                    + "written, in rolling windows, not as a prompt");
        }
        String text = text(item);
        if (!appliesChatTemplate(item)) {
            return config.apply(text);
        }
        List<ChatTemplate.Message> messages = new ArrayList<>(2);
        config.systemMessage().ifPresent(s -> messages.add(new ChatTemplate.Message("system", s)));
        messages.add(new ChatTemplate.Message("user", text));
        try {
            return chatTemplate().orElseThrow().render(messages, true, chat().variables());
        } catch (ChatTemplateException e) {
            String context = "item " + item.id() + (config.systemMessage().isPresent() ? " (with the run's system "
                    + "message, which some templates refuse: unset it with EvalConfig.withSystemMessage(null), in "
                    + "JUnit retention.chatTemplate.system)" : "");
            throw e.in(context);
        }
    }

    /**
     * The item's own prompt (generate) or context (choice, loglikelihood) as the suite gives it, before any
     * template; the text of a perplexity item.
     *
     * @param item a suite item of any kind
     * @return its prompt, context or text, unchanged
     */
    public static String text(SuiteItem item) {
        if (item instanceof SuiteItem.Generate g) {
            return g.prompt();
        } else if (item instanceof SuiteItem.Choice c) {
            return c.context();
        } else if (item instanceof SuiteItem.Loglikelihood l) {
            return l.context();
        }
        return ((SuiteItem.Perplexity) item).text();
    }

    /**
     * The log-likelihood requests of {@code item}, in the order its scorecard uses them: a generate item's answer
     * (none without one), each choice of a choice item, a loglikelihood item's answer; none for perplexity.
     *
     * <p>Each request's context is {@link #prompt(SuiteItem)}; the continuation of a choice or loglikelihood item
     * starts with the item's delimiter, except when the item goes through the chat template.
     *
     * @param item a suite item of any kind
     * @return the requests in that order; an empty list for none
     * @throws ChatTemplateException naming the item and the template when the template cannot render it
     * @throws dev.retention.model.ModelLoadException naming the file when a chat template cannot be read
     */
    public List<LoglikelihoodRequest> loglikelihoodRequests(SuiteItem item) {
        return item instanceof SuiteItem.Perplexity ? List.of() : loglikelihoodRequests(item, prompt(item));
    }

    /** As {@link #loglikelihoodRequests(SuiteItem)}, with the item's prompt already rendered. */
    List<LoglikelihoodRequest> loglikelihoodRequests(SuiteItem item, String prompt) {
        String delimiter = delimiter(item);
        if (item instanceof SuiteItem.Generate g) {
            return g.answer().map(a -> List.of(new LoglikelihoodRequest(prompt, a))).orElse(List.of());
        } else if (item instanceof SuiteItem.Choice c) {
            List<LoglikelihoodRequest> out = new ArrayList<>(c.choices().size());
            for (String choice : c.choices()) {
                out.add(new LoglikelihoodRequest(prompt, delimiter + choice));
            }
            return out;
        }
        SuiteItem.Loglikelihood l = (SuiteItem.Loglikelihood) item;
        return List.of(new LoglikelihoodRequest(prompt, delimiter + l.answer()));
    }

    /**
     * The generation request of a generate item; empty for other kinds.
     *
     * @param item a suite item of any kind
     * @return for a generate item, its {@link #prompt(SuiteItem)} with its {@code maxTokens} and stop strings;
     *     empty otherwise
     * @throws ChatTemplateException naming the item and the template when the template cannot render it
     * @throws dev.retention.model.ModelLoadException naming the file when a chat template cannot be read
     */
    public Optional<GenerationRequest> generationRequest(SuiteItem item) {
        return item instanceof SuiteItem.Generate g ? Optional.of(generationRequest(g, prompt(g))) : Optional.empty();
    }

    static GenerationRequest generationRequest(SuiteItem.Generate g, String prompt) {
        return new GenerationRequest(prompt, g.maxTokens(), g.stop());
    }

    /** The delimiter before a choice or answer: none for an item that goes through the chat template. */
    String delimiter(SuiteItem item) {
        if (appliesChatTemplate(item)) {
            return "";
        }
        if (item instanceof SuiteItem.Choice c) {
            return c.delimiter();
        }
        return item instanceof SuiteItem.Loglikelihood l ? l.delimiter() : "";
    }

    /**
     * The chat template this format applies to {@code suite}.
     *
     * @param suite the suite
     * @return SHA-256 (hex) of the chat template applied to some item of {@code suite}, or empty when none is
     */
    public Optional<String> appliedTemplate(Suite suite) {
        boolean anyChat = suite.items().stream().anyMatch(SuiteItem::chat);
        return anyChat ? chatTemplate().map(ChatTemplate::sha256) : Optional.empty();
    }

    private Chat chat() {
        Chat c = chat;
        if (c == null) {
            Optional<ChatTemplate> t = config.chatTemplate().resolve(model).map(x -> x.withClock(TEMPLATE_CLOCK));
            c = new Chat(t, t.isPresent() ? model.chatTemplateVariables() : Map.of());
            chat = c;
        }
        return c;
    }
}
