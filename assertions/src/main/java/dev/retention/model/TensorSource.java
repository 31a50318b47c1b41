package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Named weight tensors of a checkpoint, read lazily: the decoder asks for each tensor by its Hugging
 * Face name and gets a float32 array on the manager's device.
 */
interface TensorSource extends AutoCloseable {

    /** Every tensor name in the checkpoint. */
    Set<String> names();

    /** The stored shape of {@code name}, if the checkpoint has it. */
    Optional<long[]> shape(String name);

    /** The tensor as float32, owned by {@code manager}. */
    NDArray loadFloat32(String name, NDManager manager);

    /** Where the tensors come from, for messages (a file or a directory). */
    Path location();

    @Override
    void close();
}
