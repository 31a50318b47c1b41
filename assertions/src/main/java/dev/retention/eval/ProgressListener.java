package dev.retention.eval;

/** Receives {@link Progress} reports, at most once per configured interval. */
@FunctionalInterface
public interface ProgressListener {

    void onProgress(Progress progress);

    /** Writes {@code retention: <line>} to standard error. */
    static ProgressListener toStandardError() {
        return p -> System.err.println("retention: " + p.line());
    }

    /** Ignores all reports. */
    static ProgressListener none() {
        return p -> { };
    }
}
