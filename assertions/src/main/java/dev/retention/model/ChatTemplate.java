package dev.retention.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.retention.io.internal.Sha256;
import org.apiguardian.api.API;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import dev.retention.model.internal.ModelDescriptor;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;
import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * A Hugging Face chat template, rendered exactly as transformers' {@code tokenizer.apply_chat_template(messages,
 * tokenize=False, add_generation_prompt=...)} renders it (Jinja2 semantics on Jinjava; see
 * {@link JinjaEnvironment} for how the two engines are reconciled).
 *
 * <p>The template sees what transformers passes: {@code messages} (a list of {@code {role, content}} dicts),
 * {@code tools} and {@code documents} (undefined unless given as variables), {@code add_generation_prompt},
 * and the {@code variables}: the special tokens ({@code bos_token}, {@code eos_token}, ...) and any extra
 * keyword arguments (e.g. {@code date_string}, {@code enable_thinking}, {@code tools} as a list of JSON-like
 * maps). The globals {@code raise_exception(message)} and {@code strftime_now(format)} are available.
 *
 * <h2>The BOS trap</h2>
 * Many templates write the BOS token themselves ({@code {{ bos_token }}...}). transformers therefore
 * tokenizes a rendered chat with {@code add_special_tokens=False}. A rendered chat must never be tokenized with
 * the tokenizer's automatic BOS as well, or the model sees two BOS tokens and scores differ from the
 * reference; check with {@link #startsWithBos(String, String)} and add BOS only if the rendered text lacks it
 * and the model expects one.
 *
 * <h2>Known differences from Jinja2</h2>
 * <ul>
 *   <li>A variable that is {@code None} and one that is undefined are the same to Jinjava (both {@code null}):
 *       both print as nothing (Jinja2 prints {@code None} for the former), both fail {@code is defined} and pass
 *       {@code is none}, {@code default(...)} replaces both, and {@code x | string} gives {@code "None"} for both
 *       (Jinja2 gives {@code ""} for undefined). Templates test for tools with {@code if tools} or
 *       {@code tools is not none}, where the two agree.</li>
 *   <li>Where Jinja2 raises, Jinjava may render: an attribute of an undefined variable is empty (Jinja2:
 *       UndefinedError), {@code 'a' + 1} concatenates, {@code 1 / 0} is {@code inf}.</li>
 *   <li>{@code str.format} supports {@code {}}, {@code {0}} and {@code {name}} fields only (format specs fail).</li>
 * </ul>
 * Every real template in the fixtures renders byte-identical to transformers on every case.
 *
 * <p>Instances are immutable and may be shared between threads.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ChatTemplate {

    /**
     * One chat message.
     *
     * @param role who speaks, as the template expects it: usually {@code system}, {@code user} or
     *     {@code assistant}; passed through unchecked
     * @param content the message text, passed to the template as is
     */
    @API(status = EXPERIMENTAL, since = "0.1")
    public record Message(String role, String content) {
        /**
         * Checks that both components are present.
         *
         * @param role who speaks, e.g. {@code user}
         * @param content the message text
         * @throws NullPointerException naming {@code role} or {@code content} when it is {@code null}
         */
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    private static final JinjaEnvironment ENVIRONMENT = new JinjaEnvironment();

    private final String source;
    private final String name;
    private final Clock clock;

    private ChatTemplate(String source, String name, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.name = Objects.requireNonNull(name, "name");
        this.clock = clock;
    }

    /**
     * The template of a model directory as transformers loads it: {@code chat_template.jinja} if present, else
     * {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of {@code {name, template}}
     * from which the one named {@code default} is taken); empty if the model has no chat template.
     *
     * @throws ModelLoadException if a file cannot be read, is not valid JSON, or has a malformed chat_template
     */
    static Optional<ChatTemplate> from(Path modelDir) {
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                // transformers reads it as UTF-8 text with universal newlines
                String text = Files.readString(jinja, StandardCharsets.UTF_8).replace("\r\n", "\n").replace('\r', '\n');
                return Optional.of(new ChatTemplate(text, jinja.toString(), null));
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new ModelLoadException(jinja, "cannot read the chat template as UTF-8: " + e.getMessage(), e);
            }
        }
        Path config = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        return fromTokenizerConfig(config);
    }

    /** The {@code chat_template} of a {@code tokenizer_config.json}, as {@link #from(Path)} reads it. */
    private static Optional<ChatTemplate> fromTokenizerConfig(Path config) {
        JsonElement template = jsonObject(config).get("chat_template");
        if (template == null || template.isJsonNull()) {
            return Optional.empty();
        }
        String where = config + " (chat_template)";
        if (template.isJsonPrimitive() && template.getAsJsonPrimitive().isString()) {
            return Optional.of(new ChatTemplate(template.getAsString(), where, null));
        }
        if (template.isJsonArray()) {
            List<String> names = new ArrayList<>();
            for (JsonElement e : template.getAsJsonArray()) {
                if (!e.isJsonObject() || !isString(e.getAsJsonObject(), "name") || !isString(e.getAsJsonObject(), "template")) {
                    throw new ModelLoadException(config, "chat_template list entries must be {\"name\": ..., "
                            + "\"template\": ...} objects, found " + e);
                }
                JsonObject o = e.getAsJsonObject();
                names.add(o.get("name").getAsString());
                if (o.get("name").getAsString().equals("default")) {
                    return Optional.of(new ChatTemplate(o.get("template").getAsString(), config + " (chat_template 'default')", null));
                }
            }
            throw new ModelLoadException(config, "chat_template lists templates " + names
                    + " but none named 'default'; add a 'default' entry or a chat_template.jinja file");
        }
        throw new ModelLoadException(config, "chat_template must be a string or a list of {name, template}, found "
                + template);
    }

    /**
     * A chat template named by a run setting: a directory read as {@link #from(Path)} reads a model directory,
     * a {@code .json} file read as a {@code tokenizer_config.json}, or any other file read as the template's
     * Jinja source (UTF-8).
     *
     * <p>The template's name (see {@link #name()}) is the absolute path of the file it was read from, followed
     * by {@code (chat_template)} (or {@code (chat_template 'default')}) when it came from a JSON file. In a
     * Jinja file, line ends {@code \r\n} and {@code \r} are read as {@code \n}, as transformers reads them.
     *
     * @param fileOrDirectory a model directory, a {@code tokenizer_config.json}-like {@code .json} file or a Jinja
     *     template file; relative paths resolve against the working directory
     * @return the template, rendering with the system clock
     * @throws ModelLoadException naming the path when it does not exist, cannot be read or holds no template
     */
    public static ChatTemplate load(Path fileOrDirectory) {
        Path p = fileOrDirectory.toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            return from(p).orElseThrow(() -> new ModelLoadException(p, "holds no chat template: neither "
                    + "chat_template.jinja nor a chat_template in tokenizer_config.json"));
        }
        if (!Files.isRegularFile(p)) {
            throw new ModelLoadException(p, "chat template file does not exist; give a .jinja file, a "
                    + "tokenizer_config.json or a model directory that has a chat template");
        }
        if (p.getFileName().toString().endsWith(".json")) {
            return fromTokenizerConfig(p).orElseThrow(() -> new ModelLoadException(p, "has no chat_template"));
        }
        try {
            String text = Files.readString(p, StandardCharsets.UTF_8).replace("\r\n", "\n").replace('\r', '\n');
            return new ChatTemplate(text, p.toString(), null);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ModelLoadException(p, "cannot read the chat template as UTF-8: " + e.getMessage(), e);
        }
    }

    /**
     * The chat template of a model: its own directory's, else (for a PEFT adapter that ships none) its base
     * model's; empty when neither has one.
     *
     * @param model the model
     * @return its chat template, if any
     * @throws ModelLoadException naming the file when a template file cannot be read or is malformed
     */
    @API(status = INTERNAL, since = "0.1")
    public static Optional<ChatTemplate> of(ModelDescriptor model) {
        Optional<ChatTemplate> own = from(model.directory());
        return own.isPresent() || model.base().isEmpty() ? own : of(model.base().get());
    }

    /**
     * The special tokens transformers passes to a chat template ({@code bos_token}, {@code eos_token},
     * {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token},
     * {@code additional_special_tokens}) as their text, read from the model's {@code tokenizer_config.json}, then
     * {@code special_tokens_map.json} for those it does not name; for a PEFT adapter, its base model's.
     *
     * @param model the model
     * @return the special tokens by name
     */
    @API(status = INTERNAL, since = "0.1")
    public static Map<String, Object> specialTokens(ModelDescriptor model) {
        if (model.base().isPresent()) {
            return specialTokens(model.base().get());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String file : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Path p = model.directory().resolve(file);
            if (!Files.isRegularFile(p)) {
                continue;
            }
            JsonObject root = jsonObject(p);
            for (String key : SPECIAL_TOKENS) {
                JsonElement v = root.get(key);
                if (out.containsKey(key) || v == null || v.isJsonNull()) {
                    continue;
                }
                if (v.isJsonArray()) {
                    List<Object> texts = new ArrayList<>();
                    v.getAsJsonArray().forEach(e -> texts.add(tokenText(p, key, e)));
                    out.put(key, texts);
                } else {
                    out.put(key, tokenText(p, key, v));
                }
            }
        }
        return out;
    }

    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token", "additional_special_tokens");

    /** A special token as a string or an {@code {"content": ...}} object (transformers' AddedToken). */
    private static String tokenText(Path file, String key, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && isString(e.getAsJsonObject(), "content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        throw new ModelLoadException(file, key + " must be a string or an object with a string 'content', found " + e);
    }

    private static JsonObject jsonObject(Path file) {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new ModelLoadException(file, "is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (IOException | JsonParseException e) {
            throw new ModelLoadException(file, "cannot read it as JSON: " + e.getMessage(), e);
        }
    }

    private static boolean isString(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /**
     * A template from its source text. The source is taken as is (line ends are not changed) and is parsed only
     * when {@link #render} runs, so a syntax error shows then.
     *
     * @param source the Jinja source of the template
     * @param name names the template in error messages, e.g. the file it came from
     * @return the template, rendering with the system clock
     * @throws NullPointerException when {@code source} or {@code name} is {@code null}
     */
    public static ChatTemplate of(String source, String name) {
        return new ChatTemplate(source, name, null);
    }

    /**
     * This template with {@code strftime_now} reading {@code clock} instead of the system clock, so a
     * template that prints today's date renders reproducibly.
     *
     * @param clock the clock {@code strftime_now} reads (its time zone included)
     * @return a new template with the same source and name; this one is unchanged
     * @throws NullPointerException when {@code clock} is {@code null}
     */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, name, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * The template's source text.
     *
     * @return the Jinja source, as given or read (line ends normalised to {@code \n} when read from a Jinja file)
     */
    public String source() {
        return source;
    }

    /**
     * SHA-256 (hex) of the source text (UTF-8): what a scorecard records of the template it applied.
     *
     * @return 64 lower-case hex digits; equal for two templates with the same {@link #source()}
     */
    public String sha256() {
        return Sha256.hex(source);
    }

    /**
     * The name used in error messages.
     *
     * @return the name given to {@link #of(String, String)}, or where {@link #load(Path)} read the template
     */
    public String name() {
        return name;
    }

    /**
     * Renders the conversation as transformers' {@code apply_chat_template(messages, tokenize=False,
     * add_generation_prompt=addGenerationPrompt, **variables)} does, with the special tokens among
     * {@code variables}.
     *
     * @param messages the conversation, in order
     * @param addGenerationPrompt whether the template should end with the opening of an assistant turn (its
     *     {@code add_generation_prompt})
     * @param variables {@code bos_token}, {@code eos_token} and any other keyword arguments the template reads;
     *                  values are strings, numbers, booleans, lists and maps (JSON-like); may not redefine
     *                  {@code messages} or {@code add_generation_prompt}; a {@code null} value is left out,
     *                  so the template sees that variable as undefined
     * @return the rendered text, complete (never a partial output)
     * @throws ChatTemplateException if the template calls {@code raise_exception} or cannot be rendered
     * @throws IllegalArgumentException naming the template when {@code variables} holds {@code messages} or
     *     {@code add_generation_prompt}
     * @throws NullPointerException when {@code messages} or {@code variables} is {@code null}
     */
    public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, Object> variables) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(variables, "variables");
        for (String reserved : List.of("messages", "add_generation_prompt")) {
            if (variables.containsKey(reserved)) {
                throw new IllegalArgumentException("variable '" + reserved + "' is set by render(); remove it from"
                        + " the variables passed to chat template " + name);
            }
        }
        List<Map<String, Object>> chat = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> dict = new LinkedHashMap<>();
            dict.put("role", m.role());
            dict.put("content", m.content());
            chat.add(dict);
        }
        Map<String, Object> bindings = new LinkedHashMap<>();
        bindings.put("messages", chat);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        variables.forEach((k, v) -> {
            if (v != null) {
                bindings.put(k, v);
            }
        });
        RenderResult result = ENVIRONMENT.render(source, bindings, clock == null ? Clock.systemDefaultZone() : clock);
        failOnErrors(result);
        return result.getOutput();
    }

    private void failOnErrors(RenderResult result) {
        TemplateError firstFatal = null;
        for (TemplateError e : result.getErrors()) {
            JinjaEnvironment.Raised raised = JinjaEnvironment.raisedBy(e);
            if (raised != null) {
                throw new ChatTemplateException(name, "chat template " + name + " raised an exception: "
                        + raised.getMessage(), raised.getMessage(), null);
            }
            if (firstFatal == null && isFailure(e)) {
                firstFatal = e;
            }
        }
        if (firstFatal != null) {
            throw new ChatTemplateException(name, "chat template " + name + " cannot be rendered (line "
                    + firstFatal.getLineno() + "): " + firstFatal.getMessage(), null, firstFatal.getException());
        }
    }

    /** Jinjava reports undefined variables and attributes as warnings; Jinja2 renders them as empty, so do we. */
    private static boolean isFailure(TemplateError e) {
        return e.getSeverity() == TemplateError.ErrorType.FATAL;
    }

    /**
     * Whether a rendered chat already begins with the BOS token, so it must be tokenized without adding BOS
     * again (see "The BOS trap" above). False when the model has no BOS token ({@code null} or empty).
     *
     * @param rendered the output of {@link #render}
     * @param bosToken the model's BOS token as text (e.g. {@code <s>}), or {@code null} when it has none
     * @return {@code true} when {@code rendered} starts with a non-empty {@code bosToken}
     */
    public static boolean startsWithBos(String rendered, String bosToken) {
        return bosToken != null && !bosToken.isEmpty() && rendered.startsWith(bosToken);
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
