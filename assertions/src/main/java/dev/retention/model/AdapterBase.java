package dev.retention.model;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Optional;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * What a PEFT adapter directory says about its base model, read without loading anything: the
 * {@code base_model_name_or_path} of its {@code adapter_config.json} and the local folder that names,
 * if any. Lets a caller (the JUnit extension) choose the base before calling
 * {@link ModelOptions#withBase}.
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

    /**
     * Whether {@code dir} is a PEFT adapter directory (it holds {@code adapter_config.json}). Nothing is read.
     *
     * @param dir any directory
     * @return {@code true} when {@code dir/adapter_config.json} is a regular file
     */
    public static boolean isAdapter(Path dir) {
        return AdapterFiles.isAdapter(dir);
    }

    /**
     * Reads the adapter at {@code dir}: checks its files and its {@code adapter_config.json}, then looks for the
     * local folder its {@code base_model_name_or_path} names (first relative to the adapter directory, then to
     * the working directory). No weights are read.
     *
     * @param dir the adapter directory
     * @return what the adapter says about its base, with {@code adapter} and {@code config} absolute
     *
     * @throws ModelLoadException as {@link CausalLm#load} would for the adapter's own files: a missing
     *     {@code adapter_model.safetensors}, a pickled {@code adapter_model.bin}, or a tuner Retention does
     *     not apply (DoRA, IA3, ...), naming the file and key
     */
    public static AdapterBase of(Path dir) {
        AdapterFiles files = AdapterFiles.in(dir);
        PeftConfig peft = PeftConfig.read(files.config());
        return new AdapterBase(files.directory(), files.config(), peft.baseModel(),
                files.declaredBase(peft, new ArrayList<>()));
    }
}
