package dev.retention.model;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files of a PEFT adapter directory: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} (pickled {@code adapter_model.bin} is refused), and where its
 * base model is.
 */
record AdapterFiles(Path directory, Path config, Path weights, Optional<Path> tokenizerJson) {

    static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve("adapter_config.json"));
    }

    static AdapterFiles in(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        Path config = d.resolve("adapter_config.json");
        if (!Files.isRegularFile(config)) {
            throw new ModelLoadException(d, "not a PEFT adapter: adapter_config.json is missing");
        }
        Path weights = d.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new ModelLoadException(d, Files.isRegularFile(d.resolve("adapter_model.bin"))
                    ? "only a pickled adapter_model.bin, which Retention never loads (unpickling can run code); save the "
                    + "adapter with save_pretrained(dir, safe_serialization=True)"
                    : "adapter_model.safetensors is missing");
        }
        Path tok = d.resolve("tokenizer.json");
        return new AdapterFiles(d, config, weights, Files.isRegularFile(tok) ? Optional.of(tok) : Optional.empty());
    }

    /**
     * The base model directory: {@code options.base()} when given, else the adapter's
     * {@code base_model_name_or_path} when it names a local folder (see {@link #declaredBase}).
     */
    Path base(PeftConfig peft, ModelOptions options) {
        if (options.base().isPresent()) {
            return options.base().get().toAbsolutePath().normalize();
        }
        List<Path> tried = new ArrayList<>();
        return declaredBase(peft, tried).orElseThrow(() -> new ModelLoadException(config, "base_model_name_or_path is '"
                + peft.baseModel() + "', which names no local folder" + (tried.isEmpty() ? "" : " (tried " + tried + ")")
                + "; give the base model's directory with ModelOptions.withBase(dir) (the JUnit extension uses the "
                + "run's baseline model)"));
    }

    /**
     * The local folder the adapter's {@code base_model_name_or_path} names (absolute, or relative to the
     * adapter directory or the working directory), if any; {@code tried} receives the paths looked at.
     */
    Optional<Path> declaredBase(PeftConfig peft, List<Path> tried) {
        String declared = peft.baseModel();
        if (declared.isBlank()) {
            return Optional.empty();
        }
        try {
            Path p = Path.of(declared);
            for (Path candidate : p.isAbsolute() ? List.of(p) : List.of(directory.resolve(p), p.toAbsolutePath())) {
                Path c = candidate.normalize();
                tried.add(c);
                if (Files.isDirectory(c)) {
                    return Optional.of(c);
                }
            }
        } catch (InvalidPathException ignored) {
            // not a path: a hub name
        }
        return Optional.empty();
    }

    /** Files whose bytes decide the adapter's effect, in fingerprint order. */
    List<Path> fingerprinted() {
        return List.of(config, weights);
    }
}
