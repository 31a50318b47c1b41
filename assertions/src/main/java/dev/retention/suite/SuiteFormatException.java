package dev.retention.suite;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A suite file or definition Retention cannot use; the message names the source, line and field.
 * The message has the form {@code source:line: problem}, or {@code source: problem} when the problem
 * concerns the whole suite (duplicate ids of a suite built in code, an empty suite).
 *
 * @since 0.1
 */
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

    /**
     * The file (or name given for an in-memory suite).
     *
     * @return the source as the loader was given it: a path, a class-path resource, a stream's source
     *     name, {@code suite '<name>'} for a suite built in code, or the new name of a
     *     {@linkplain Suite#filter filtered} suite
     */
    public String source() {
        return source;
    }

    /**
     * The 1-based line number, or 0 when the problem concerns the whole suite.
     *
     * @return the line number (blank lines counted), or 0
     */
    public int line() {
        return line;
    }
}
