package dev.retention.eval;

import org.apiguardian.api.API;

import java.time.Duration;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * A progress report of a long evaluation.
 *
 * @param task what is running, e.g. {@code "lora on general: generate"}
 * @param done requests finished
 * @param total requests in the task
 * @param perSecond throughput so far
 * @param eta estimated time left at that throughput
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Progress(String task, long done, long total, double perSecond, Duration eta) {

    /**
     * One line, e.g. {@code lora on general: generate 120/312 (38%), 41.2 req/s, ETA 5s}.
     *
     * @return the report as one line without a line break; the percentage is rounded down (100% when
     *     {@code total} is 0), the ETA in whole seconds
     */
    public String line() {
        return String.format(java.util.Locale.ROOT, "%s %d/%d (%d%%), %.1f req/s, ETA %ds", task, done, total,
                total == 0 ? 100 : done * 100 / total, perSecond, eta.toSeconds());
    }
}
