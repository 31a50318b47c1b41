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

/** The files of a model directory: one TorchScript {@code .pt} plus Hugging Face tokenizer files. */
record ModelFiles(Path directory, Path torchScript, Path tokenizerJson, Optional<Path> tokenizerConfig,
                  Optional<Path> config, Optional<Path> generationConfig) {

    static ModelFiles in(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) {
            throw new ModelLoadException(d, Files.exists(d)
                    ? "not a directory; pass the model directory holding model.pt and tokenizer.json"
                    : "model directory does not exist");
        }
        Path tok = d.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new ModelLoadException(d, "tokenizer.json is missing (Retention needs the Hugging Face "
                    + "tokenizer.json next to the TorchScript file)");
        }
        return new ModelFiles(d, torchScriptIn(d), tok, optional(d, "tokenizer_config.json"),
                optional(d, "config.json"), optional(d, "generation_config.json"));
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
        String name = torchScript.getFileName().toString();
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
            throw new ModelLoadException(torchScript, failure + ": " + e.getMessage(), e);
        }
    }

    /** Files whose bytes decide the scores, in fingerprint order. */
    List<Path> fingerprinted() {
        List<Path> out = new ArrayList<>(List.of(torchScript, tokenizerJson));
        tokenizerConfig.ifPresent(out::add);
        config.ifPresent(out::add);
        generationConfig.ifPresent(out::add);
        return out;
    }

    private static Path torchScriptIn(Path d) {
        Path preferred = d.resolve("model.pt");
        if (Files.isRegularFile(preferred)) {
            return preferred;
        }
        List<Path> pts;
        try (Stream<Path> s = Files.list(d)) {
            pts = s.filter(p -> p.getFileName().toString().endsWith(".pt") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException(d, "cannot list directory: " + e.getMessage(), e);
        }
        if (pts.isEmpty()) {
            throw new ModelLoadException(d, "no TorchScript file: expected model.pt (or exactly one *.pt); "
                    + "export with torch.jit.trace(..., torchscript=True) or torch.jit.script and save it here");
        }
        if (pts.size() > 1) {
            throw new ModelLoadException(d, "several *.pt files " + pts.stream().map(p -> p.getFileName().toString())
                    .toList() + " and no model.pt: rename the one to load to model.pt");
        }
        return pts.get(0);
    }

    private static Optional<Path> optional(Path d, String name) {
        Path p = d.resolve(name);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
