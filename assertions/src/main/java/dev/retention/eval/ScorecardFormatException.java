package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A scorecard file that is truncated, corrupt, or of an unsupported schema; names the source.
 *
 * <p>Thrown by {@link Scorecard#read(java.nio.file.Path)} and {@link Scorecard#fromJson(String, String)}; the
 * message starts with the source (the file or the name given) and says what is wrong and, for an old or edited
 * file, how to record it again.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class ScorecardFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ScorecardFormatException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
    }
}
