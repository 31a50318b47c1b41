package dev.retention.suite;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/** A suite file or definition Retention cannot use; the message names the source, line and field. */
@API(status = STABLE, since = "0.1")
public final class SuiteFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;

    SuiteFormatException(String source, int line, String message) {
        super(source + (line > 0 ? ":" + line : "") + ": " + message);
        this.source = source;
        this.line = line;
    }

    /** The file (or name given for an in-memory suite). */
    public String source() {
        return source;
    }

    /** The 1-based line number, or 0 when the problem concerns the whole suite. */
    public int line() {
        return line;
    }
}
