package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two test runs that each run one class into the same report directory (two {@code mvn test -Dtest=...}):
 * the second keeps the first one's report, {@code report.html} is the latest run's, {@code index.html}
 * lists both, and each run names the file it wrote in one console line.
 */
class RunReportsTest {

    private static final String LINE = "retention: report: ";

    @TempDir
    Path work;

    @Test
    void aSecondRunOfAnotherClassKeepsTheFirstRunsReport() throws IOException {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        Path dir = work.resolve("report");

        TestRuns.Run first = TestRuns.run(cfg, TestRuns.RetainsEveryCategory.class);
        first.results().testEvents().assertStatistics(s -> s.started(5).succeeded(5));
        TestRuns.Run second = TestRuns.run(cfg, KeepsOverall.class);
        second.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));

        Path firstHtml = written(first);
        Path secondHtml = written(second);
        assertThat(firstHtml.getParent().getParent()).isEqualTo(dir.resolve("runs"));
        assertThat(secondHtml.getParent().getParent()).isEqualTo(dir.resolve("runs"));
        assertThat(firstHtml).isNotEqualTo(secondHtml);
        try (Stream<Path> runs = Files.list(dir.resolve("runs"))) {
            assertThat(runs.filter(Files::isDirectory)).containsExactlyInAnyOrder(firstHtml.getParent(),
                    secondHtml.getParent());
        }

        String firstPage = Files.readString(firstHtml);
        assertThat(firstPage).contains(TestRuns.RetainsEveryCategory.class.getName(), "retainsEveryCategory [wordplay]")
                .doesNotContain(KeepsOverall.class.getName());
        assertThat(Files.readString(firstHtml.resolveSibling("report.json")))
                .contains(TestRuns.RetainsEveryCategory.class.getName()).doesNotContain(KeepsOverall.class.getName());
        String secondPage = Files.readString(secondHtml);
        assertThat(secondPage).contains(KeepsOverall.class.getName()).doesNotContain(TestRuns.RetainsEveryCategory.class.getName());
        assertThat(Files.readString(dir.resolve("report.html"))).as("the latest run").isEqualTo(secondPage);
        assertThat(Files.readString(dir.resolve("report.json")))
                .isEqualTo(Files.readString(secondHtml.resolveSibling("report.json")));

        String index = Files.readString(dir.resolve("index.html"));
        String firstRun = firstHtml.getParent().getFileName().toString();
        String secondRun = secondHtml.getParent().getFileName().toString();
        assertThat(index).contains("2 runs, newest first", "runs/" + firstRun + "/report.html",
                "runs/" + secondRun + "/report.html", TestRuns.RetainsEveryCategory.class.getName(), KeepsOverall.class.getName());
        assertThat(index.indexOf(secondRun)).as("newest first").isLessThan(index.indexOf(firstRun));
    }

    /** The one console line naming the run's report: its own file, the latest copy and the index. */
    private Path written(TestRuns.Run run) {
        List<String> lines = run.lines(LINE);
        assertThat(lines).hasSize(1);
        String line = lines.get(0);
        Path dir = work.resolve("report");
        String tail = " (latest run: " + dir.resolve("report.html") + ", every run: " + dir.resolve("index.html") + ")";
        assertThat(line).endsWith(tail);
        Path html = Paths.get(line.substring(LINE.length(), line.length() - tail.length()));
        assertThat(html).isRegularFile().hasFileName("report.html");
        return html;
    }

    @RetentionTest
    static class KeepsOverall {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @Test
        void retainsOverall() {
            assertThatModel(tuned).retains(base).overall().within(0.05);
        }
    }
}
