package dev.retention.model;

import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import dev.retention.model.internal.Devices;
import dev.retention.model.internal.EngineThreads;

/**
 * The files of a model directory. Two layouts load:
 * <ul>
 *   <li>a Hugging Face folder as trainers write it: {@code config.json} plus {@code model.safetensors},
 *       or shards described by {@code model.safetensors.index.json} — run natively;</li>
 *   <li>the legacy layout: one TorchScript {@code .pt} ({@code model.pt}, or the only one) — run by
 *       DJL's TorchScript predictor.</li>
 * </ul>
 * Both need {@code tokenizer.json}; {@code tokenizer_config.json}, {@code generation_config.json} and
 * (for TorchScript) {@code config.json} are optional. A folder with safetensors weights loads
 * natively even if it also holds a {@code .pt}. Pickled PyTorch weights ({@code *.bin}) are never
 * loaded: unpickling can execute code.
 */
record ModelFiles(Path directory, Format format, Optional<Path> torchScript, List<Path> weightFiles,
                  Path tokenizerJson, Optional<Path> tokenizerConfig, Optional<Path> config,
                  Optional<Path> generationConfig) {

    /** How the weights are stored (a served model's weights are on the serving engine). */
    enum Format {
        SAFETENSORS, TORCHSCRIPT, SERVED
    }

    /**
     * The tokenizer files of a served model: {@code tokenizer.json} and, if present,
     * {@code tokenizer_config.json}, {@code config.json} and {@code generation_config.json}.
     */
    static ModelFiles tokenizerOnly(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        Path tok = d.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new ModelLoadException(d, "tokenizer.json is missing: a served model is scored with token-id prompts "
                    + "built from its own tokenizer.json, so point the tokenizer directory at a folder holding it");
        }
        return new ModelFiles(d, Format.SERVED, Optional.empty(), List.of(), tok, optional(d, "tokenizer_config.json"),
                optional(d, "config.json"), optional(d, "generation_config.json"));
    }

    static ModelFiles in(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) {
            throw new ModelLoadException(d, Files.exists(d)
                    ? "not a directory; pass the model directory (config.json, model.safetensors and tokenizer.json)"
                    : "model directory does not exist");
        }
        Optional<Path> config = optional(d, "config.json");
        Optional<Path> index = optional(d, "model.safetensors.index.json");
        Optional<Path> single = optional(d, "model.safetensors");
        List<Path> safetensors = list(d, ".safetensors");
        Path tok = d.resolve("tokenizer.json");
        boolean hf = index.isPresent() || single.isPresent() || !safetensors.isEmpty();
        if (hf && config.isEmpty()) {
            throw new ModelLoadException(d, "safetensors weights but no config.json: Retention reads the architecture "
                    + "from config.json (save the model with save_pretrained, which writes both)");
        }
        if (!Files.isRegularFile(tok)) {
            throw new ModelLoadException(d, "tokenizer.json is missing (Retention needs the Hugging Face tokenizer.json "
                    + "next to the weights; tokenizer.save_pretrained writes it)");
        }
        if (hf) {
            List<Path> weights = new ArrayList<>();
            index.ifPresent(weights::add);
            weights.addAll(safetensors);
            return new ModelFiles(d, Format.SAFETENSORS, Optional.empty(), List.copyOf(weights), tok,
                    optional(d, "tokenizer_config.json"), config, optional(d, "generation_config.json"));
        }
        Path pt = torchScriptIn(d);
        return new ModelFiles(d, Format.TORCHSCRIPT, Optional.of(pt), List.of(pt), tok,
                optional(d, "tokenizer_config.json"), config, optional(d, "generation_config.json"));
    }

    /**
     * Loads the TorchScript file with DJL's PyTorch engine on {@code device}, weights mapped there.
     * DJL is given the directory and the file's name without {@code .pt} (a bare file path makes
     * its repository log a warning per load).
     *
     * @param withGradients whether parameters require gradients (for the Fisher information)
     * @param failure what failed, for the error message
     */
    ZooModel<NDList, NDList> loadTorchScript(String device, boolean withGradients, String failure) {
        Path pt = torchScript.orElseThrow();
        EngineThreads.pytorch();
        String name = pt.getFileName().toString();
        Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(directory)
                .optModelName(name.substring(0, name.length() - ".pt".length()))
                .optEngine("PyTorch")
                .optDevice(Devices.toDjl(device))
                .optOption("mapLocation", "true");
        if (withGradients) {
            criteria.optOption("trainParam", "true");
        }
        try {
            return criteria.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | EngineException e) {
            throw new ModelLoadException(pt, failure + ": " + e.getMessage(), e);
        }
    }

    /** Files whose bytes decide the scores, in fingerprint order. */
    List<Path> fingerprinted() {
        List<Path> out = new ArrayList<>(weightFiles);
        out.add(tokenizerJson);
        tokenizerConfig.ifPresent(out::add);
        config.ifPresent(out::add);
        generationConfig.ifPresent(out::add);
        return out;
    }

    /** The file or directory a weight problem is reported against. */
    Path weightsLocation() {
        return torchScript.orElse(directory);
    }

    private static Path torchScriptIn(Path d) {
        Path preferred = d.resolve("model.pt");
        if (Files.isRegularFile(preferred)) {
            return preferred;
        }
        List<Path> pts = list(d, ".pt");
        if (pts.isEmpty()) {
            List<Path> pickles = list(d, ".bin");
            throw new ModelLoadException(d, pickles.isEmpty()
                    ? "no weights: expected model.safetensors (or model.safetensors.index.json and its shards) with "
                    + "config.json, as save_pretrained writes them (or a legacy TorchScript model.pt)"
                    : "only pickled PyTorch weights " + pickles.stream().map(p -> p.getFileName().toString()).toList()
                    + ", which Retention never loads (unpickling can run code); re-save with "
                    + "save_pretrained(dir, safe_serialization=True) to write model.safetensors");
        }
        if (pts.size() > 1) {
            throw new ModelLoadException(d, "several *.pt files " + pts.stream().map(p -> p.getFileName().toString())
                    .toList() + " and no model.pt: rename the one to load to model.pt");
        }
        return pts.get(0);
    }

    private static List<Path> list(Path d, String suffix) {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException(d, "cannot list directory: " + e.getMessage(), e);
        }
    }

    private static Optional<Path> optional(Path d, String name) {
        Path p = d.resolve(name);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
