package dev.retention.eval;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Everything besides model and suite that can change a score; part of every cache key.
 *
 * @param batchSize requests per forward pass (moves scores at the 1e-6 level)
 * @param contextLength context window used
 * @param addBosToken whether BOS was prepended
 * @param promptTemplate the prompt template
 * @param library Retention version
 * @param engine inference engine and version
 */
public record ScoringConfig(int batchSize, int contextLength, boolean addBosToken, String promptTemplate,
                            String library, String engine) {

    public ScoringConfig {
        Objects.requireNonNull(promptTemplate, "promptTemplate");
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(engine, "engine");
    }

    /** The configuration an {@link Evaluator} with {@code config} uses for the model {@code model}. */
    public static ScoringConfig of(dev.retention.model.ModelDescriptor model, EvalConfig config) {
        return new ScoringConfig(config.batchSize(), model.contextLength(), model.addBosToken(), config.promptTemplate(),
                LibraryVersion.retention(), LibraryVersion.engine());
    }

    /**
     * The settings in which {@code other} differs from this configuration, except the batch size (which
     * moves scores only at the float-rounding level), e.g. {@code contextLength 128 vs 64}. Scores
     * compared with each other must have been computed with none of these differences.
     */
    public List<String> differencesFrom(ScoringConfig other) {
        List<String> d = new ArrayList<>();
        if (contextLength != other.contextLength) {
            d.add("contextLength " + contextLength + " vs " + other.contextLength);
        }
        if (addBosToken != other.addBosToken) {
            d.add("addBosToken " + addBosToken + " vs " + other.addBosToken);
        }
        if (!promptTemplate.equals(other.promptTemplate)) {
            d.add("promptTemplate \"" + promptTemplate + "\" vs \"" + other.promptTemplate + "\"");
        }
        if (!library.equals(other.library)) {
            d.add("Retention " + library + " vs " + other.library);
        }
        if (!engine.equals(other.engine)) {
            d.add("engine " + engine + " vs " + other.engine);
        }
        return d;
    }

    /** SHA-256 (hex) of every field, for cache keys. */
    public String hash() {
        String s = String.join("\u0000", Integer.toString(batchSize), Integer.toString(contextLength),
                Boolean.toString(addBosToken), promptTemplate, library, engine);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
