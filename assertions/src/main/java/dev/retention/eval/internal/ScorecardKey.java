package dev.retention.eval.internal;

import dev.retention.io.internal.Sha256;
import org.apiguardian.api.API;

import java.util.Objects;
import dev.retention.eval.Scorecard;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * What a scorecard depends on: the model's fingerprint (weights, tokenizer, configs; never its
 * path), the suite's content hash, and the scoring configuration (batch size, context, prompt
 * template, library and engine versions).
 *
 * <p>The names are for messages only: they count neither in {@link #hash()} nor when an entry is checked
 * against its key, so a renamed or moved model keeps its entries.
 *
 * @param modelName the model's name, for log messages
 * @param fingerprint the model's fingerprint (SHA-256 hex, as in {@code ModelDescriptor.fingerprint()})
 * @param suiteName the suite's name, for log messages
 * @param suiteHash the suite's content hash
 * @param scoring the scoring configuration
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ScorecardKey(String modelName, String fingerprint, String suiteName, String suiteHash,
                           ScoringConfig scoring) {

    /**
     * Checks that every component is present.
     *
     * @param modelName the model's name, for log messages
     * @param fingerprint the model's fingerprint
     * @param suiteName the suite's name, for log messages
     * @param suiteHash the suite's content hash
     * @param scoring the scoring configuration
     * @throws NullPointerException naming the component that is null
     */
    public ScorecardKey {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(suiteName, "suiteName");
        Objects.requireNonNull(suiteHash, "suiteHash");
        Objects.requireNonNull(scoring, "scoring");
    }

    /**
     * SHA-256 (hex) over fingerprint, suite hash and scoring configuration ({@link ScoringConfig#hash()}).
     * Computed on every call.
     *
     * @return 64 lower-case hex characters; {@link ScorecardCache} names the key's entry after them
     */
    public String hash() {
        return Sha256.hex(String.join("\u0000", fingerprint, suiteHash, scoring.hash()));
    }

    /** Whether {@code card} is a scorecard for exactly this key. */
    boolean matches(Scorecard card) {
        return card.model().fingerprint().equals(fingerprint) && card.suiteHash().equals(suiteHash)
                && card.scoring().equals(scoring);
    }
}
