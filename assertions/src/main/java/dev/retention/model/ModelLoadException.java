package dev.retention.model;

import org.apiguardian.api.API;

import java.nio.file.Path;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A model directory that Retention refuses to load, with the file and the reason.
 *
 * <p>Thrown instead of letting DJL or libtorch fail later (or abort the JVM, as bfloat16 weights do).
 * The message starts with the path, then the reason.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class ModelLoadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path path;

    /**
     * A refusal of {@code path}.
     *
     * @param path the file or directory at fault
     * @param reason what is wrong with it and, where there is one, the fix
     */
    public ModelLoadException(Path path, String reason) {
        super(path + ": " + reason);
        this.path = path;
    }

    /**
     * A refusal of {@code path} caused by {@code cause}.
     *
     * @param path the file or directory at fault
     * @param reason what is wrong with it and, where there is one, the fix
     * @param cause the failure that revealed it
     */
    public ModelLoadException(Path path, String reason, Throwable cause) {
        super(path + ": " + reason, cause);
        this.path = path;
    }

    /**
     * The file or directory at fault.
     *
     * @return the path the message names; {@code null} after the exception was deserialized (the path is not
     *     serialized)
     */
    public Path path() {
        return path;
    }
}
