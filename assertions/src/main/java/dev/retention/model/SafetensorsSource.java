package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** INTERIM (replaced by the safetensors reader): decodes single-file F32/F16 checkpoints with DJL. */
final class SafetensorsSource implements TensorSource {

    private final Path dir;
    private final NDManager scratch;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    SafetensorsSource(Path dir) {
        this(dir, "model.safetensors");
    }

    SafetensorsSource(Path dir, String file) {
        this.dir = dir;
        this.scratch = NDManager.newBaseManager("PyTorch");
        try (InputStream in = Files.newInputStream(dir.resolve(file))) {
            for (NDArray a : NDList.decode(scratch, in)) {
                arrays.put(a.getName(), a);
            }
        } catch (IOException e) {
            throw new ModelLoadException(dir, "cannot read: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<String> names() {
        return arrays.keySet();
    }

    @Override
    public Optional<long[]> shape(String name) {
        return Optional.ofNullable(arrays.get(name)).map(a -> a.getShape().getShape());
    }

    @Override
    public NDArray loadFloat32(String name, NDManager manager) {
        NDArray src = arrays.get(name);
        NDArray a = src.getDataType() == DataType.FLOAT32 ? src.duplicate() : src.toType(DataType.FLOAT32, true);
        a.attach(manager);
        return a;
    }

    @Override
    public Path location() {
        return dir;
    }

    @Override
    public void close() {
        scratch.close();
    }
}
