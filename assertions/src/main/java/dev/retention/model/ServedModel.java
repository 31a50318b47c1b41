package dev.retention.model;

import java.util.List;
import java.util.OptionalInt;
import java.util.SortedMap;

/**
 * What a serving engine reports about the model Retention asked for ({@code GET /v1/models}): its
 * id, the context window ({@code max_model_len}, vLLM), and every other scalar field of the entry
 * ({@code root}, {@code parent}, {@code owned_by}, ...) except the per-start {@code created} stamp,
 * for the scorecard key; plus the ids of all models the server serves.
 */
record ServedModel(String id, OptionalInt maxModelLen, SortedMap<String, String> metadata, List<String> servedIds) {

    ServedModel {
        metadata = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(metadata));
        servedIds = List.copyOf(servedIds);
    }
}
