package dev.retention.eval;

/**
 * Result of a {@link GenerationRequest}.
 *
 * @param text decoded generated text (special tokens skipped), cut before the earliest stop string
 * @param tokens generated token ids (EOS excluded; tokens after a stop string included)
 * @param stopReason why generation ended
 */
public record Generation(String text, int[] tokens, StopReason stopReason) {

    /** Why a generation ended. */
    public enum StopReason {
        /** The model produced an end-of-sequence token. */
        EOS,
        /** The decoded text reached a stop string. */
        STOP_STRING,
        /** The token budget ran out. */
        MAX_TOKENS
    }
}
