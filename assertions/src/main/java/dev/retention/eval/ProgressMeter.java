package dev.retention.eval;

import java.time.Duration;

/**
 * Counts finished requests of one task and reports to a listener no more often than an interval.
 * Thread-safe: batches running on several streams advance it concurrently; the listener is called
 * holding the meter's lock, so reports arrive one at a time and in order.
 */
final class ProgressMeter {

    private final String task;
    private final long total;
    private final ProgressListener listener;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastReport = start;
    private long done;

    ProgressMeter(String task, long total, ProgressListener listener, Duration interval) {
        this.task = task;
        this.total = total;
        this.listener = listener;
        this.intervalNanos = interval.toNanos();
    }

    /** Reports that {@code done} units are finished in all. */
    synchronized void reach(long done) {
        advance(done - this.done);
    }

    /** Reports {@code n} more finished units. */
    synchronized void advance(long n) {
        done += n;
        long now = System.nanoTime();
        boolean finished = done >= total;
        // Short tasks stay silent; long ones report every interval and once at the end.
        if (now - lastReport >= intervalNanos || (finished && now - start >= intervalNanos)) {
            lastReport = now;
            double secs = Math.max(1e-9, (now - start) / 1e9);
            double rate = done / secs;
            long left = rate > 0 ? (long) Math.ceil((total - done) / rate) : 0;
            listener.onProgress(new Progress(task, done, total, rate, Duration.ofSeconds(left)));
        }
    }
}
