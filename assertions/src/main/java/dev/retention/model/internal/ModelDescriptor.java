package dev.retention.model.internal;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import dev.retention.model.ChatTemplate;
import dev.retention.model.ModelLoadException;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * What can be known about a model directory without loading it: enough to key caches and decide
 * whether loading is needed at all.
 *
 * <p>Made by {@code CausalLm.describe} from the files, or by {@code CausalLm.descriptor()} from a loaded
 * model. Two descriptors are equal when all their components are.
 *
 * @param name directory name (for a model on a serving engine: the name the engine serves it under)
 * @param directory absolute, normalised directory (for a model on a serving engine: its local tokenizer
 *     directory); kept as given, not normalised here
 * @param fingerprint SHA-256 over the weight files, tokenizer and config files (for an adapter: over
 *     its base's fingerprint and the adapter's files)
 * @param contextLength the context window that scoring will use
 * @param addBosToken whether BOS is prepended to encoded texts
 * @param base for a PEFT adapter, its base model; empty for any other model
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ModelDescriptor(String name, Path directory, String fingerprint, int contextLength,
                              boolean addBosToken, Optional<ModelDescriptor> base) {

    /**
     * Checks that the object components are present; the numbers are taken as given.
     *
     * @param name directory name (for a model on a serving engine: the name the engine serves it under)
     * @param directory absolute, normalised directory; kept as given
     * @param fingerprint SHA-256 (hex) over the weight files, tokenizer and config files (for an adapter: over
     *     its base's fingerprint and the adapter's files)
     * @param contextLength the context window that scoring will use, in tokens
     * @param addBosToken whether BOS is prepended to encoded texts
     * @param base for a PEFT adapter, its base model; empty for any other model
     * @throws NullPointerException naming the component when {@code name}, {@code directory},
     *     {@code fingerprint} or {@code base} is null
     */
    public ModelDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(base, "base");
    }

    /**
     * A model that is not an adapter: {@link #base()} is empty.
     *
     * @param name directory name (for a model on a serving engine: the name the engine serves it under)
     * @param directory absolute, normalised directory; kept as given
     * @param fingerprint SHA-256 (hex) over the weight files, tokenizer and config files
     * @param contextLength the context window that scoring will use, in tokens
     * @param addBosToken whether BOS is prepended to encoded texts
     * @throws NullPointerException naming the argument when {@code name}, {@code directory} or
     *     {@code fingerprint} is null
     */
    public ModelDescriptor(String name, Path directory, String fingerprint, int contextLength, boolean addBosToken) {
        this(name, directory, fingerprint, contextLength, addBosToken, Optional.empty());
    }

    /**
     * Whether this is a PEFT adapter over {@link #base()}.
     *
     * @return true when {@link #base()} is present
     */
    public boolean isAdapter() {
        return base.isPresent();
    }

    /**
     * The model's chat template, read from its files now: {@code chat_template.jinja}, else
     * {@code tokenizer_config.json}'s {@code chat_template}; for a PEFT adapter that ships neither, its base
     * model's (and so on down the chain of bases). Empty when the model has none. The files are read on
     * every call; nothing is cached here.
     *
     * @return the model's chat template, or empty when neither the model nor (for an adapter) its base
     *     ships one
     * @throws ModelLoadException naming the file when a template file cannot be read or is malformed
     */
    public Optional<ChatTemplate> chatTemplate() {
        return ChatTemplate.of(this);
    }

    /**
     * The special tokens as transformers passes them to a chat template ({@code bos_token}, {@code eos_token},
     * ... as text), read from the model's {@code tokenizer_config.json} and {@code special_tokens_map.json}.
     * The first file wins for a token both name; for a PEFT adapter, its base model's files are read.
     * The files are read on every call.
     *
     * @return the tokens by their transformers name: a {@code String} each, a {@code List} of them for
     *     {@code additional_special_tokens}; a token neither file names is absent. A new, modifiable map
     * @throws ModelLoadException naming the file when one is not a readable JSON object or gives a token as
     *     neither a string nor an object with a string {@code content}
     */
    public Map<String, Object> chatTemplateVariables() {
        return ChatTemplate.specialTokens(this);
    }
}
