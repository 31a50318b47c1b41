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
 */
@API(status = STABLE, since = "0.1")
public record ModelRef(String name, String fingerprint, String path, String device) {
    public ModelRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(device, "device");
    }
}
