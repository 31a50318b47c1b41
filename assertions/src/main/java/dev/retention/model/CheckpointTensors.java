package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or
 * {@code model.safetensors.index.json} and the shards it names (for PEFT adapters the base name is
 * {@code adapter_model}). Every header is validated at {@link #open}; tensors are read only when
 * loaded. Pickle checkpoints ({@code *.bin}, {@code *.pt}) are never read: unpickling can execute
 * code.
 *
 * <p>When both the single file and an index exist, the single file is used, as transformers does.
 */
final class CheckpointTensors implements TensorSource {

    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");

    private final Path directory;
    private final String source;
    private final List<SafetensorsFile> files;
    private final SortedMap<String, TensorInfo> tensors;
    private final Map<Path, SafetensorsFile> byPath = new LinkedHashMap<>();
    private final TensorLoader.Tuning tuning;

    private CheckpointTensors(Path directory, String source, List<SafetensorsFile> files,
                              SortedMap<String, TensorInfo> tensors, TensorLoader.Tuning tuning) {
        this.directory = directory;
        this.source = source;
        this.files = List.copyOf(files);
        this.tensors = Collections.unmodifiableSortedMap(tensors);
        this.tuning = tuning;
        for (SafetensorsFile f : files) {
            byPath.put(f.path(), f);
        }
    }

    /** The weights of {@code modelDir} ({@code model.safetensors} or its sharded form). */
    static CheckpointTensors open(Path modelDir) {
        return open(modelDir, "model");
    }

    /**
     * The weights named {@code baseName} in {@code dir}: {@code <baseName>.safetensors} or
     * {@code <baseName>.safetensors.index.json} with its shards.
     */
    static CheckpointTensors open(Path dir, String baseName) {
        return open(dir, baseName, TensorLoader.Tuning.DEFAULT);
    }

    static CheckpointTensors open(Path dir, String baseName, TensorLoader.Tuning tuning) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) {
            throw new ModelLoadException(d, Files.exists(d)
                    ? "not a directory; pass the model directory holding " + baseName + ".safetensors"
                    : "model directory does not exist");
        }
        Path single = d.resolve(baseName + ".safetensors");
        Path index = d.resolve(baseName + ".safetensors.index.json");
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single, tuning.privateMappings());
            return new CheckpointTensors(d, single.getFileName().toString(), List.of(f), new TreeMap<>(f.tensors()),
                    tuning);
        }
        if (Files.isRegularFile(index)) {
            return sharded(d, index, tuning);
        }
        throw noWeights(d, baseName);
    }

    private static CheckpointTensors sharded(Path d, Path index, TensorLoader.Tuning tuning) {
        Map<String, String> weightMap = ShardIndex.read(index);
        Map<String, List<String>> byShard = new TreeMap<>();
        // "x.safetensors" and "./x.safetensors" name one shard
        weightMap.replaceAll((tensor, shard) -> d.relativize(d.resolve(shard).normalize()).toString());
        weightMap.forEach((tensor, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
                String shardName = e.getKey();
                Path shard = d.resolve(shardName).normalize();
                if (!Files.isRegularFile(shard)) {
                    throw new ModelLoadException(index, "shard " + shardName + " (named for " + e.getValue().size()
                            + " tensors, e.g. '" + e.getValue().get(0) + "') is missing from " + d
                            + "; copy every shard the index names");
                }
                SafetensorsFile f = SafetensorsFile.open(shard, tuning.privateMappings());
                opened.add(f);
                shards.put(shardName, f);
                for (String tensor : e.getValue()) {
                    if (f.find(tensor).isEmpty()) {
                        throw new ModelLoadException(index, "weight_map puts tensor '" + tensor + "' in " + shardName
                                + ", but that shard does not hold it; the index does not belong to these shards");
                    }
                }
            }
            SortedMap<String, TensorInfo> all = new TreeMap<>();
            for (Map.Entry<String, SafetensorsFile> e : shards.entrySet()) {
                String shardName = e.getKey();
                for (TensorInfo t : e.getValue().tensors().values()) {
                    String listed = weightMap.get(t.name());
                    if (listed == null) {
                        throw new ModelLoadException(index, "shard " + shardName + " holds tensor '" + t.name()
                                + "', which weight_map does not list; the index is stale or belongs to other shards");
                    }
                    if (!listed.equals(shardName)) {
                        throw new ModelLoadException(index, "tensor '" + t.name() + "' is stored in " + shardName
                                + " and in " + listed + ", where weight_map puts it; it is listed in two places");
                    }
                    all.put(t.name(), t);
                }
            }
            return new CheckpointTensors(d, index.getFileName() + " (" + opened.size() + " shards)", opened, all,
                    tuning);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static ModelLoadException noWeights(Path d, String baseName) {
        List<String> safetensors = new ArrayList<>();
        List<String> pickles = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".safetensors")) {
                    safetensors.add(name);
                } else if (PICKLE_SUFFIXES.stream().anyMatch(name::endsWith)) {
                    pickles.add(name);
                }
            }
        } catch (IOException e) {
            return new ModelLoadException(d, "cannot list directory: " + e.getMessage(), e);
        }
        String expected = "no " + baseName + ".safetensors and no " + baseName + ".safetensors.index.json";
        if (safetensors.size() == 1) {
            return new ModelLoadException(d, expected + "; found only " + safetensors.get(0)
                    + ": rename it to " + baseName + ".safetensors if it holds these weights");
        }
        if (safetensors.size() > 1) {
            return new ModelLoadException(d, expected + "; found " + safetensors.size() + " safetensors files "
                    + safetensors + ". Shards need their " + baseName + ".safetensors.index.json (it maps each tensor "
                    + "to its shard): copy it along with the shards");
        }
        String refusal = "pickle checkpoints (pytorch_model*.bin, *.pt) are refused because unpickling can execute "
                + "arbitrary code; Retention never loads pickles. Save the model with save_pretrained (transformers 5 "
                + "always writes safetensors; 4.x needs safe_serialization=True)";
        return new ModelLoadException(d, expected + (pickles.isEmpty() ? "; " : "; found " + pickles + ", but ")
                + refusal);
    }

    /** The directory the weights were opened from. */
    Path directory() {
        return directory;
    }

    /** The safetensors files, in the order they were opened. */
    List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** All tensor names, sorted. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<long[]> shape(String name) {
        return find(name).map(TensorInfo::shape);
    }

    @Override
    public Path location() {
        return files.size() == 1 ? files.get(0).path() : directory;
    }

    /** The storage types of the tensors, e.g. {@code [BF16]}. */
    Set<String> dtypes() {
        Set<String> out = new java.util.TreeSet<>();
        tensors.values().forEach(t -> out.add(t.dtype().name()));
        return out;
    }

    Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor's description, or a {@link ModelLoadException} naming it and the files searched. */
    TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t != null) {
            return t;
        }
        List<String> similar = tensors.keySet().stream()
                .filter(n -> n.endsWith("." + name) || name.endsWith("." + n)).limit(3).toList();
        throw new ModelLoadException(directory, "no tensor '" + name + "' in " + source + " "
                + files.stream().map(f -> f.path().getFileName().toString()).toList() + " (" + tensors.size()
                + " tensors)" + (similar.isEmpty() ? "" : "; similar names: " + similar));
    }

    /**
     * The tensor as float32 on {@code manager}'s device. On CPU a float32 tensor is the mapped file
     * range itself (no copy; copy-on-write if written); float16, bfloat16 and float64 are converted
     * in Java. The array belongs to {@code manager}.
     */
    @Override
    public NDArray loadFloat32(String name, NDManager manager) {
        return load(name, manager, false);
    }

    /** As {@link #loadFloat32}, but a float16 tensor stays float16 when {@code keepFloat16}. */
    NDArray load(String name, NDManager manager, boolean keepFloat16) {
        TensorInfo t = info(name);
        return TensorLoader.load(byPath.get(t.file()), t, manager, keepFloat16, tuning);
    }

    /** A (small) tensor as a Java {@code float[]}, row-major (for LoRA factors, norms...). */
    float[] readFloats(String name) {
        TensorInfo t = info(name);
        return TensorLoader.readFloats(byPath.get(t.file()), t);
    }

    /** Sum of the tensors' sizes as stored, in bytes. */
    long totalBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::byteCount).sum();
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
