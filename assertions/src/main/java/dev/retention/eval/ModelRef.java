package dev.retention.eval;

import java.util.Objects;

/**
 * The model a scorecard belongs to.
 *
 * @param name model directory name
 * @param fingerprint SHA-256 over weights, tokenizer and configs (the identity that counts)
 * @param path where it was loaded from (informational; never used as an identity)
 * @param device where it ran, {@code cpu} or {@code gpu:N}
 */
public record ModelRef(String name, String fingerprint, String path, String device) {
    public ModelRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(device, "device");
    }
}
