package dev.retention.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.io.internal.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes one run's report so that no run replaces another's: {@code dir/runs/<run>/report.{html,json}}
 * (named by the UTC time of writing, to the millisecond, and a random suffix), then copies of it as
 * {@code dir/report.{html,json}} (the latest run) and {@code dir/index.html}, every run under
 * {@code dir/runs/}, newest first, with its test classes, models and verdict counts.
 *
 * <p>Every file is written with {@link AtomicFiles}. Runs that end at the same time (Surefire forks,
 * two builds sharing a directory) take a lock on {@code dir/runs/.lock} while they write, so the index
 * each one leaves lists every finished run.
 */
final class ReportRuns {

    static final String RUNS = "runs";
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern RUN_NAME =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{6}\\.\\d{3}Z-[0-9a-f]{6}");
    /** A JVM holds one lock per file, so the threads of one JVM take turns before taking the file lock. */
    private static final Object IN_THIS_JVM = new Object();

    private ReportRuns() {
    }

    static ReportFiles write(Path dir, String json, String html) throws IOException {
        Path runs = dir.resolve(RUNS);
        Files.createDirectories(runs);
        synchronized (IN_THIS_JVM) {
            try (FileChannel lockFile = lockFile(runs)) {
                FileLock lock = lockFile == null ? null : lockFile.lock();
                try {
                    return writeLocked(dir, runs, json, html);
                } finally {
                    if (lock != null) {
                        lock.release();
                    }
                }
            }
        }
    }

    private static ReportFiles writeLocked(Path dir, Path runs, String json, String html)
            throws IOException {
        Path run = newRunDirectory(runs, Instant.now());
        ReportFiles files = new ReportFiles(run.resolve("report.html"), run.resolve("report.json"),
                dir.resolve("report.html"), dir.resolve("report.json"), dir.resolve("index.html"));
        try {
            AtomicFiles.writeString(files.json(), json);
            AtomicFiles.writeString(files.html(), html);
        } catch (IOException | RuntimeException e) {
            removeUnfinished(run, e);
            throw e;
        }
        AtomicFiles.writeString(files.latestJson(), json);
        AtomicFiles.writeString(files.latestHtml(), html);
        AtomicFiles.writeString(files.index(), index(runs));
        return files;
    }

    /** The lock file's channel, or null on a file system without file channels (then only this JVM is serialised). */
    private static FileChannel lockFile(Path runs) throws IOException {
        try {
            return FileChannel.open(runs.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static Path newRunDirectory(Path runs, Instant written) throws IOException {
        String stamp = STAMP.format(written);
        for (int attempt = 0; ; attempt++) {
            Path run = runs.resolve(stamp + "-" + String.format(Locale.ROOT, "%06x",
                    ThreadLocalRandom.current().nextInt(1 << 24)));
            try {
                return Files.createDirectory(run);
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 100) {
                    throw taken;
                }
            }
        }
    }

    private static void removeUnfinished(Path run, Exception cause) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(run)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(run);
        } catch (IOException cleanup) {
            cause.addSuppressed(cleanup);
        }
    }

    /** One line of the index. */
    record Run(String name, boolean readable, List<String> testClasses, List<String> models, int verdicts, int failed) {
    }

    /** Every run under {@code runs}, newest first. */
    static List<Run> runs(Path runs) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(runs)) {
            for (Path p : s) {
                if (RUN_NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve("report.html"))) {
                    dirs.add(p);
                }
            }
        }
        dirs.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        List<Run> out = new ArrayList<>(dirs.size());
        for (Path d : dirs) {
            out.add(read(d));
        }
        return out;
    }

    private static Run read(Path run) {
        String name = run.getFileName().toString();
        try {
            JsonObject o = JsonParser.parseString(Files.readString(run.resolve("report.json"))).getAsJsonObject();
            TreeSet<String> classes = new TreeSet<>();
            int verdicts = 0;
            int failed = 0;
            for (String section : List.of("assertions", "perplexity", "diagnostics")) {
                JsonArray a = o.has(section) ? o.getAsJsonArray(section) : new JsonArray();
                for (JsonElement e : a) {
                    JsonObject v = e.getAsJsonObject();
                    verdicts++;
                    failed += v.get("passed").getAsBoolean() ? 0 : 1;
                    String c = v.has("testClass") ? v.get("testClass").getAsString() : "";
                    if (!c.isEmpty()) {
                        classes.add(c);
                    }
                }
            }
            TreeSet<String> models = new TreeSet<>();
            if (o.has("models")) {
                for (JsonElement m : o.getAsJsonArray("models")) {
                    models.add(m.getAsJsonObject().get("name").getAsString());
                }
            }
            return new Run(name, true, List.copyOf(classes), List.copyOf(models), verdicts, failed);
        } catch (IOException | RuntimeException unreadable) {
            // another tool's or an older Retention's file: the index still links the run's page
            return new Run(name, false, List.of(), List.of(), 0, 0);
        }
    }

    static String index(Path runs) throws IOException {
        List<Run> all = runs(runs);
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Retention runs</title>\n<style>\n")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;text-align:left;vertical-align:top}")
                .append("th{background:#f3f3f3}td.n{text-align:right}.ok{color:#17692b}.bad{color:#b3261e;font-weight:600}")
                .append(".muted{color:#666}")
                .append("\n</style></head><body>\n<h1>Retention runs</h1>\n<p>")
                .append(all.size()).append(all.size() == 1 ? " run" : " runs")
                .append(", newest first. <a href=\"report.html\">report.html</a> is a copy of the newest run's report.</p>\n")
                .append("<table><tr><th>run (UTC)</th><th>test classes</th><th>models</th><th>verdicts</th>"
                        + "<th>failed</th></tr>\n");
        for (Run r : all) {
            String link = RUNS + "/" + r.name() + "/report.html";
            h.append("<tr><td><a href=\"").append(ReportHtml.esc(link)).append("\">").append(ReportHtml.esc(r.name()))
                    .append("</a></td>");
            if (!r.readable()) {
                h.append("<td colspan=\"4\" class=\"muted\">its report.json could not be read</td></tr>\n");
                continue;
            }
            h.append("<td>").append(r.testClasses().isEmpty() ? "<span class=\"muted\">none</span>"
                            : String.join("<br>", r.testClasses().stream().map(ReportHtml::esc).toList()))
                    .append("</td><td>").append(ReportHtml.esc(String.join(", ", r.models()))).append("</td>")
                    .append("<td class=\"n\">").append(r.verdicts()).append("</td>")
                    .append(r.failed() == 0 ? "<td class=\"n ok\">0" : "<td class=\"n bad\">" + r.failed())
                    .append("</td></tr>\n");
        }
        return h.append("</table>\n</body></html>\n").toString();
    }
}
