package dev.retention.eval;

/** A scorecard file that is truncated, corrupt, or of an unsupported schema; names the source. */
public final class ScorecardFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ScorecardFormatException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
    }
}
