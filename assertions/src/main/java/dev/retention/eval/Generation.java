package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Result of a {@link GenerationRequest}.
 *
 * @param text decoded generated text (special tokens skipped), cut before the earliest stop string
 * @param tokens generated token ids (EOS excluded; tokens after a stop string included)
 * @param stopReason why generation ended
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Generation(String text, int[] tokens, StopReason stopReason) {

    /** Why a generation ended. */
    @API(status = EXPERIMENTAL, since = "0.1")
    public enum StopReason {
        /** The model produced an end-of-sequence token. */
        EOS,
        /** The decoded text reached a stop string. */
        STOP_STRING,
        /** The token budget ran out. */
        MAX_TOKENS
    }
}
