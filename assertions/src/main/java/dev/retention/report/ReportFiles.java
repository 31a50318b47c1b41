package dev.retention.report;

import org.apiguardian.api.API;

import java.nio.file.Path;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * The files one {@link RetentionReport#write(Path)} wrote into a report directory {@code dir}.
 *
 * @param html this run's HTML report, {@code dir/runs/<run>/report.html}; never replaced by a later run
 * @param json this run's JSON report, {@code dir/runs/<run>/report.json}
 * @param latestHtml {@code dir/report.html}, a copy of the latest run's HTML report
 * @param latestJson {@code dir/report.json}, a copy of the latest run's JSON report
 * @param index {@code dir/index.html}, every run under {@code dir/runs/}, newest first
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ReportFiles(Path html, Path json, Path latestHtml, Path latestJson, Path index) {
}
