package dev.retention.report;

import dev.retention.assertions.RetentionEvents;
import dev.retention.eval.ItemResult;
import dev.retention.eval.ModelRef;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every write of a report is a run of its own: no run replaces another's report, and the index lists them all. */
class ReportRunsTest {

    private static final String RUN_NAME = "\\d{4}-\\d{2}-\\d{2}T\\d{6}\\.\\d{3}Z-[0-9a-f]{6}";

    @TempDir
    Path dir;

    private final Suite suite = Suite.builder("s").loglikelihood("a", "c", "x", "y").build();

    private Scorecard card(String name, ItemResult.Outcome outcome) {
        return new Scorecard("s", suite.contentHash(), new ModelRef(name, name.repeat(64), "/" + name, "cpu"),
                new ScoringConfig(1, 8, false, "{prompt}", "t", "t"), Instant.EPOCH,
                List.of(new ItemResult("a", "c", "loglikelihood", Optional.empty(), outcome, -1, 1, 0, 0, "x", "y", "y")));
    }

    /** A report holding one verdict of {@code testClass}: tuned keeps (or loses) the baseline's one item. */
    private RetentionReport reportOf(String testClass, boolean passing) {
        RetentionReport report = RetentionReport.create().model("base", "b".repeat(64), "/base")
                .model("tuned", "t".repeat(64), "/tuned");
        RetentionEvents.Registration tagged = RetentionEvents.register(report.listener(testClass, "keeps"));
        try {
            Scorecard tuned = card("tuned", passing ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL);
            if (passing) {
                assertThatModel(tuned).retains(card("base", ItemResult.Outcome.PASS)).on(suite).overall().within(0.5);
            } else {
                assertThatThrownBy(() -> assertThatModel(tuned).retains(card("base", ItemResult.Outcome.PASS)).on(suite)
                        .overall().within(0.5)).isInstanceOf(AssertionError.class);
            }
        } finally {
            tagged.close();
        }
        return report;
    }

    @Test
    void aSecondRunKeepsTheFirstRunsReportAndTheIndexListsBoth() throws IOException {
        ReportFiles first = reportOf("com.acme.AlphaTest", true).write(dir);
        ReportFiles second = reportOf("com.acme.BetaTest", false).write(dir);

        assertThat(first.html().getParent()).isNotEqualTo(second.html().getParent());
        for (ReportFiles f : List.of(first, second)) {
            assertThat(f.html().getParent().getParent()).isEqualTo(dir.resolve("runs"));
            assertThat(f.html().getParent().getFileName().toString()).matches(RUN_NAME);
            assertThat(f.json()).isEqualTo(f.html().resolveSibling("report.json"));
            assertThat(f.latestHtml()).isEqualTo(dir.resolve("report.html"));
            assertThat(f.latestJson()).isEqualTo(dir.resolve("report.json"));
            assertThat(f.index()).isEqualTo(dir.resolve("index.html"));
        }
        assertThat(Files.readString(first.json())).contains("com.acme.AlphaTest").doesNotContain("BetaTest");
        assertThat(Files.readString(first.html())).contains("com.acme.AlphaTest").doesNotContain("BetaTest");
        assertThat(Files.readString(second.json())).contains("com.acme.BetaTest").doesNotContain("AlphaTest");
        assertThat(Files.readString(dir.resolve("report.json"))).isEqualTo(Files.readString(second.json()));
        assertThat(Files.readString(dir.resolve("report.html"))).isEqualTo(Files.readString(second.html()));

        String index = Files.readString(dir.resolve("index.html"));
        String firstRun = first.html().getParent().getFileName().toString();
        String secondRun = second.html().getParent().getFileName().toString();
        assertThat(index).startsWith("<!DOCTYPE html>").contains("2 runs, newest first")
                .contains("<a href=\"runs/" + secondRun + "/report.html\">")
                .contains("<a href=\"runs/" + firstRun + "/report.html\">")
                .doesNotContain("<script", "http://", "https://");
        assertThat(index.indexOf(secondRun)).as("newest first").isLessThan(index.indexOf(firstRun));
        String secondRow = index.substring(index.indexOf(secondRun), index.indexOf(firstRun));
        String firstRow = index.substring(index.indexOf(firstRun));
        assertThat(secondRow).contains("com.acme.BetaTest", "base, tuned", "<td class=\"n\">1</td>",
                "<td class=\"n bad\">1</td>");
        assertThat(firstRow).contains("com.acme.AlphaTest", "<td class=\"n\">1</td>", "<td class=\"n ok\">0</td>")
                .doesNotContain("BetaTest");
    }

    @Test
    void aRunWhoseJsonCannotBeReadIsStillListed() throws IOException {
        Path old = dir.resolve("runs/2026-01-02T030405.678Z-abcdef");
        Files.createDirectories(old);
        Files.writeString(old.resolve("report.html"), "<!DOCTYPE html><p>old</p>");
        Files.writeString(old.resolve("report.json"), "{\"not\": \"a retention report\"");
        Files.createDirectories(dir.resolve("runs/not-a-run"));
        Files.writeString(dir.resolve("runs/not-a-run/report.html"), "x");

        ReportFiles now = reportOf("com.acme.AlphaTest", true).write(dir);

        String index = Files.readString(now.index());
        assertThat(index).contains("2 runs, newest first")
                .contains("<a href=\"runs/2026-01-02T030405.678Z-abcdef/report.html\">")
                .contains("its report.json could not be read").doesNotContain("not-a-run");
        assertThat(Files.readString(old.resolve("report.html"))).isEqualTo("<!DOCTYPE html><p>old</p>");
    }

    @Test
    void writesFromManyThreadsEachGetARunAndTheIndexListsEveryOne() throws Exception {
        int n = 8;
        List<Thread> threads = new java.util.ArrayList<>();
        List<ReportFiles> written = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < n; i++) {
            String testClass = "com.acme.Parallel" + i + "Test";
            threads.add(new Thread(() -> written.add(reportOf(testClass, true).write(dir))));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(written).hasSize(n);
        assertThat(written.stream().map(f -> f.html().getParent()).distinct()).hasSize(n);
        String index = Files.readString(dir.resolve("index.html"));
        assertThat(index).contains(n + " runs, newest first");
        for (int i = 0; i < n; i++) {
            assertThat(index).contains("com.acme.Parallel" + i + "Test");
        }
    }
}
