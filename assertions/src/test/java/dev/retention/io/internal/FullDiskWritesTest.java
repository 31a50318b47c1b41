package dev.retention.io.internal;

import dev.retention.eval.ItemResult;
import dev.retention.eval.ModelRef;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardCache;
import dev.retention.eval.internal.ScorecardKey;
import dev.retention.eval.internal.ScoringConfig;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every file Retention writes survives a full disk: the write fails with the file system's error, the
 * previous file is untouched, and no temporary file is left behind.
 */
class FullDiskWritesTest {

    @TempDir
    Path real;

    private static Scorecard card(int items) {
        List<ItemResult> results = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            results.add(new ItemResult("m-" + i, "math", "generate", Optional.empty(), ItemResult.Outcome.PASS, -0.5, 2, 0,
                    0, "Compute: " + i + " + 1 =", String.valueOf(i + 1), " " + (i + 1)));
        }
        return new Scorecard("suite", "abc123", new ModelRef("m", "f".repeat(64), "/models/m", "cpu"),
                new ScoringConfig(16, 128, false, "{prompt}", "test", "test"), Instant.parse("2026-11-22T10:15:30Z"),
                results);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(real)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aRecordedBaselineIsReplacedWholeOrNotAtAll() throws IOException {
        Path file = FullDisk.over(real).resolve("baseline.json");
        card(3).write(file);
        String good = Files.readString(real.resolve("baseline.json"));
        FullDisk.of(file).freeBytes(200);
        assertThatThrownBy(() -> card(40).write(file)).hasMessageContaining("cannot write scorecard " + file)
                .hasMessageContaining("No space left on device").hasMessageContaining("the previous file, if any, is unchanged");
        assertThat(Files.readString(real.resolve("baseline.json"))).isEqualTo(good);
        assertThat(names()).containsExactly("baseline.json");
    }

    @Test
    void theReportKeepsTheLastGoodFilesWhenTheDiskIsFull() throws IOException {
        Path dir = FullDisk.over(real).resolve("report");
        List<String> runsBefore;
        try (RetentionReport report = RetentionReport.start()) {
            report.setting("run", "first");
            report.write(dir);
            String json = Files.readString(real.resolve("report/report.json"));
            String html = Files.readString(real.resolve("report/report.html"));
            String index = Files.readString(real.resolve("report/index.html"));
            runsBefore = list(real.resolve("report/runs"));
            report.setting("run", "second");
            FullDisk.of(dir).freeBytes(100);
            assertThatThrownBy(() -> report.write(dir)).hasMessageContaining("No space left on device");
            assertThat(Files.readString(real.resolve("report/report.json"))).isEqualTo(json);
            assertThat(Files.readString(real.resolve("report/report.html"))).isEqualTo(html);
            assertThat(Files.readString(real.resolve("report/index.html"))).isEqualTo(index);
        }
        assertThat(list(real.resolve("report"))).containsExactly("index.html", "report.html", "report.json", "runs");
        assertThat(list(real.resolve("report/runs"))).as("the failed run leaves no directory").isEqualTo(runsBefore);
        List<String> runs = runsBefore.stream().filter(n -> !n.startsWith(".")).toList();
        assertThat(runs).hasSize(1);
        assertThat(list(real.resolve("report/runs/" + runs.get(0)))).containsExactly("report.html", "report.json");
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSuiteFileIsReplacedWholeOrNotAtAll() throws IOException {
        Path file = FullDisk.over(real).resolve("s.jsonl");
        Suite.builder("s").loglikelihood("a", "c", "x", "y").build().write(file);
        String good = Files.readString(real.resolve("s.jsonl"));
        Suite.Builder big = Suite.builder("s");
        for (int i = 0; i < 50; i++) {
            big.loglikelihood("a" + i, "c", "context " + i, "answer");
        }
        FullDisk.of(file).freeBytes(64);
        assertThatThrownBy(() -> big.build().write(file)).hasMessageContaining("No space left on device");
        assertThat(Files.readString(real.resolve("s.jsonl"))).isEqualTo(good);
        assertThat(names()).containsExactly("s.jsonl");
    }

    @Test
    void aCacheEntryThatCannotBeWrittenLeavesTheOldEntryAndNoTemporaryFile() throws IOException {
        List<String> log = new ArrayList<>();
        Path dir = FullDisk.over(real);
        ScorecardCache cache = new ScorecardCache(dir, ScorecardCache.Mode.REFRESH, log::add);
        Scorecard c = card(3);
        ScorecardKey key = new ScorecardKey("m", c.model().fingerprint(), c.suiteName(), c.suiteHash(), c.scoring());
        cache.get(key, () -> c);
        List<String> entries = names();
        assertThat(entries).hasSize(1);
        String good = Files.readString(real.resolve(entries.get(0)));
        FullDisk.of(dir).freeBytes(10);
        cache.get(key, () -> c);
        assertThat(log).anySatisfy(l -> assertThat(l).contains("cannot write scorecard cache entry")
                .contains("No space left on device"));
        assertThat(names()).isEqualTo(entries);
        assertThat(Files.readString(real.resolve(entries.get(0)))).isEqualTo(good);
    }

    @Test
    void theHelperCreatesMissingDirectoriesAndOverwritesInPlace() throws IOException {
        Path file = FullDisk.over(real).resolve("a/b/out.txt");
        AtomicFiles.writeString(file, "one");
        AtomicFiles.writeString(file, "two");
        assertThat(Files.readString(real.resolve("a/b/out.txt"))).isEqualTo("two");
        try (Stream<Path> s = Files.list(real.resolve("a/b"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("out.txt");
        }
    }
}
