package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/** Receives {@link Progress} reports, at most once per configured interval. */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
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
