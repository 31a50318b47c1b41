package dev.retention.eval;

import org.apiguardian.api.API;

import java.util.Objects;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * The model a scorecard belongs to.
 *
 * @param name model directory name
 * @param fingerprint SHA-256 over weights, tokenizer and configs (the identity that counts)
 * @param path where it was loaded from (informational; never used as an identity)
 * @param device where it ran, {@code cpu} or {@code gpu:N}
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record ModelRef(String name, String fingerprint, String path, String device) {
    /**
     * A reference with every component given.
     *
     * @param name model directory name
     * @param fingerprint SHA-256 over weights, tokenizer and configs
     * @param path where the model was loaded from
     * @param device where it ran, {@code cpu} or {@code gpu:N}
     * @throws NullPointerException naming the component when any of them is null
     */
    public ModelRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(device, "device");
    }
}
