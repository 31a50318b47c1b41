package dev.retention.model.internal;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * What a PEFT adapter directory says about its base model, read without loading anything: the
 * {@code base_model_name_or_path} of its {@code adapter_config.json} and the local folder that names,
 * if any. Lets a caller (the JUnit extension) choose the base before calling
 * {@link dev.retention.model.ModelOptions#withBase}.
 *
 * @param adapter the adapter directory (absolute, normalised)
 * @param config its {@code adapter_config.json}
 * @param declared {@code base_model_name_or_path} as written (empty when absent)
 * @param localFolder the local folder {@code declared} names (absolute, or relative to the adapter
 *     directory or the working directory), when one exists
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record AdapterBase(Path adapter, Path config, String declared, Optional<Path> localFolder) {

    /**
     * Checks that every component is present.
     *
     * @param adapter the adapter directory
     * @param config the adapter's {@code adapter_config.json}
     * @param declared the base as the config declares it, empty when it declares none
     * @param localFolder the local base folder found, or empty
     * @throws NullPointerException naming the component that is {@code null}
     */
    public AdapterBase {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(declared, "declared");
        Objects.requireNonNull(localFolder, "localFolder");
    }
}
