package dev.retention.eval;

import dev.retention.model.ChatTemplate;
import dev.retention.model.internal.ModelDescriptor;
import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Which chat template a run applies to the chat items of a suite ({@link dev.retention.suite.SuiteItem#chat()}):
 * <ul>
 *   <li>{@code auto} (the default): the model's own template ({@code chat_template.jinja} or
 *       {@code tokenizer_config.json}'s {@code chat_template}) when it has one; a model without one scores its
 *       chat items as plain items;</li>
 *   <li>{@code none}: never; chat items are scored as plain items (the prompt template applies);</li>
 *   <li>a path: this template for every model, read by {@link ChatTemplate#load(Path)} (a {@code .jinja} file,
 *       a {@code tokenizer_config.json}, or a model directory).</li>
 * </ul>
 *
 * @param kind auto, none or file
 * @param path the template's path, for {@link Kind#FILE} only
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ChatTemplateSetting(Kind kind, Optional<Path> path) {

    /** The three settings. */
    @API(status = EXPERIMENTAL, since = "0.1")
    public enum Kind {
        /** The model's own chat template, when it has one; otherwise chat items are scored as plain items. */
        AUTO,
        /** No chat template: chat items are scored as plain items, through the prompt template. */
        NONE,
        /** The template read from {@link ChatTemplateSetting#path()}, for every model. */
        FILE
    }

    /**
     * A setting of the given kind; the factories {@link #auto()}, {@link #none()} and {@link #file(Path)} are
     * shorter.
     *
     * @param kind auto, none or file
     * @param path the template's path for {@link Kind#FILE}, empty for the other kinds
     * @throws NullPointerException when {@code kind} or {@code path} is null
     * @throws IllegalArgumentException when a path is given for a kind other than {@link Kind#FILE}, or none for
     *     {@link Kind#FILE}; the message names both
     */
    public ChatTemplateSetting {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if ((kind == Kind.FILE) != path.isPresent()) {
            throw new IllegalArgumentException("a chat template path is given exactly for the FILE setting, got "
                    + kind + " with " + path);
        }
    }

    /**
     * The model's own template, when it has one.
     *
     * @return the {@link Kind#AUTO} setting, the default of {@link EvalConfig}
     */
    public static ChatTemplateSetting auto() {
        return new ChatTemplateSetting(Kind.AUTO, Optional.empty());
    }

    /**
     * No chat template.
     *
     * @return the {@link Kind#NONE} setting
     */
    public static ChatTemplateSetting none() {
        return new ChatTemplateSetting(Kind.NONE, Optional.empty());
    }

    /**
     * The template at {@code path} for every model. The file is not read here, only when a run first needs it.
     *
     * @param path a {@code .jinja} file, a {@code tokenizer_config.json} or a model directory
     * @return the {@link Kind#FILE} setting for {@code path}
     * @throws NullPointerException when {@code path} is null
     */
    public static ChatTemplateSetting file(Path path) {
        return new ChatTemplateSetting(Kind.FILE, Optional.of(path));
    }

    /**
     * {@code auto}, {@code none} (any case), or a path.
     *
     * @param value the setting as text, e.g. from a system property; surrounding whitespace is ignored, and
     *     anything other than {@code auto} or {@code none} is taken as a path (not checked to exist here)
     * @return the setting {@code value} names
     * @throws IllegalArgumentException when {@code value} is empty or blank
     */
    public static ChatTemplateSetting parse(String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("a chat template setting must be auto, none or a path, got an empty value");
        }
        if (v.equalsIgnoreCase("auto")) {
            return auto();
        }
        if (v.equalsIgnoreCase("none")) {
            return none();
        }
        return file(Path.of(v));
    }

    /**
     * The template this setting gives {@code model}, read now.
     *
     * @param model the model whose own template {@code auto} uses
     * @return the template, or empty for {@code none} and for {@code auto} when the model has none
     * @throws dev.retention.model.ModelLoadException naming the file when a template cannot be read
     */
    Optional<ChatTemplate> resolve(ModelDescriptor model) {
        return switch (kind) {
            case AUTO -> model.chatTemplate();
            case NONE -> Optional.empty();
            case FILE -> Optional.of(ChatTemplate.load(path.orElseThrow()));
        };
    }

    /** {@code auto}, {@code none} or the path, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return kind == Kind.FILE ? path.orElseThrow().toString() : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
