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
 * @param name directory name
 * @param directory absolute, normalised directory
 * @param fingerprint SHA-256 over the weight files, tokenizer and config files (for an adapter: over
 *     its base's fingerprint and the adapter's files)
 * @param contextLength the context window that scoring will use
 * @param addBosToken whether BOS is prepended to encoded texts
 * @param base for a PEFT adapter, its base model
 */
@API(status = INTERNAL, since = "0.1")
public record ModelDescriptor(String name, Path directory, String fingerprint, int contextLength,
                              boolean addBosToken, Optional<ModelDescriptor> base) {

    public ModelDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(base, "base");
    }

    /** A model that is not an adapter. */
    public ModelDescriptor(String name, Path directory, String fingerprint, int contextLength, boolean addBosToken) {
        this(name, directory, fingerprint, contextLength, addBosToken, Optional.empty());
    }

    /** Whether this is a PEFT adapter over {@link #base()}. */
    public boolean isAdapter() {
        return base.isPresent();
    }

    /**
     * The model's chat template, read from its files now: {@code chat_template.jinja}, else
     * {@code tokenizer_config.json}'s {@code chat_template}; for a PEFT adapter that ships neither, its base
     * model's. Empty when the model has none.
     *
     * @throws ModelLoadException naming the file when a template file cannot be read or is malformed
     */
    public Optional<ChatTemplate> chatTemplate() {
        return ChatTemplate.of(this);
    }

    /**
     * The special tokens as transformers passes them to a chat template ({@code bos_token}, {@code eos_token},
     * ... as text), read from the model's {@code tokenizer_config.json} and {@code special_tokens_map.json}.
     */
    public Map<String, Object> chatTemplateVariables() {
        return ChatTemplate.specialTokens(this);
    }
}
