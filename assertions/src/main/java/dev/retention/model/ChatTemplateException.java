package dev.retention.model;

import org.apiguardian.api.API;

import java.util.Optional;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * A chat template could not be rendered: it called {@code raise_exception(message)} (the conversation breaks a
 * rule of the template, e.g. roles that do not alternate), or it has a syntax error, an unknown filter or
 * another rendering error. The message names the template and the cause; there is never a partial output.
 *
 * <p>Thrown by {@link ChatTemplate#render}; Retention's evaluation layer rethrows it with
 * {@link #in(String)} to name the suite or item being rendered.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String templateName;
    private final String raisedMessage;

    ChatTemplateException(String templateName, String message, String raisedMessage, Throwable cause) {
        super(message, cause);
        this.templateName = templateName;
        this.raisedMessage = raisedMessage;
    }

    /**
     * This failure with {@code context} (e.g. the suite item being rendered) before its message.
     *
     * @param context what was being rendered, put before the message as {@code context: message}
     * @return a new exception with the same {@link #templateName()} and {@link #raisedMessage()}, and this one
     *     as its cause; this exception is unchanged
     */
    public ChatTemplateException in(String context) {
        return new ChatTemplateException(templateName, context + ": " + getMessage(), raisedMessage, this);
    }

    /**
     * The template's name (usually the file it came from).
     *
     * @return the template's {@link ChatTemplate#name()}
     */
    public String templateName() {
        return templateName;
    }

    /**
     * The message the template passed to {@code raise_exception}, if that is why rendering failed.
     *
     * @return the template's own message, or empty when rendering failed for another reason (a syntax error,
     *     an unknown filter, ...)
     */
    public Optional<String> raisedMessage() {
        return Optional.ofNullable(raisedMessage);
    }
}
