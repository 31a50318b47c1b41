package dev.retention.model;

import java.nio.file.Path;

/**
 * What can be known about a model directory without loading it: enough to key caches and decide
 * whether loading is needed at all.
 *
 * @param name directory name
 * @param directory absolute, normalised directory
 * @param fingerprint SHA-256 over the TorchScript file, tokenizer and config files
 * @param contextLength the context window that scoring will use
 * @param addBosToken whether BOS is prepended to encoded texts
 */
public record ModelDescriptor(String name, Path directory, String fingerprint, int contextLength,
                              boolean addBosToken) {
}
