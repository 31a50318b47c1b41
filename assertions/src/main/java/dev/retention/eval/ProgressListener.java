package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Receives {@link Progress} reports, at most once per configured interval.
 *
 * @since 0.1
 */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
public interface ProgressListener {

    /**
     * Takes one report. An evaluation calls it between batches, one report at a time and in order, on the
     * thread that finished a batch: the calling thread, or one of Retention's stream threads when batches run
     * on several streams (see {@code retention.streams}). A slow listener slows the run; a listener must not
     * start another evaluation and wait for it.
     *
     * @param progress the report
     */
    void onProgress(Progress progress);

    /**
     * Writes {@code retention: <line>} to standard error.
     *
     * @return a listener printing each report's {@link Progress#line()} to {@link System#err}
     */
    static ProgressListener toStandardError() {
        return p -> System.err.println("retention: " + p.line());
    }

    /**
     * Ignores all reports.
     *
     * @return a listener that does nothing
     */
    static ProgressListener none() {
        return p -> { };
    }
}
