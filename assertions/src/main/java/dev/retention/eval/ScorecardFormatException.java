package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/** A scorecard file that is truncated, corrupt, or of an unsupported schema; names the source. */
@API(status = STABLE, since = "0.1")
public final class ScorecardFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ScorecardFormatException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
    }
}
