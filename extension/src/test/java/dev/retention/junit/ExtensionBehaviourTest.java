package dev.retention.junit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.assertions.ScoredModel;
import dev.retention.fixtures.Fixtures;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;

class ExtensionBehaviourTest {

    @TempDir
    Path work;

    private static Throwable failure(Event e) {
        return e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @Test
    void aModelThatFailedToLoadFailsLaterTestsFastWithTheOriginalCause() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.put("retention.tuned", Fixtures.broken("vocab-mismatch").toString());
        TestRuns.Run run = TestRuns.run(cfg, NeedsTunedTwice.class);
        run.results().testEvents().assertStatistics(s -> s.started(2).failed(2));
        List<Event> failed = run.results().testEvents().failed().list();
        assertThat(failed).allSatisfy(e -> assertThat(failure(e))
                .hasMessageContaining("could not be loaded in this run")
                .hasRootCauseMessage(Fixtures.broken("vocab-mismatch").resolve("model.pt").toAbsolutePath().normalize()
                        + ": the model's logits cover 300 token ids but tokenizer.json has 640; the tokenizer does "
                        + "not belong to this model"));
        assertThat(run.lines("retention: loading ")).hasSize(1);
        assertThat(run.lines("retention: model cache:")).containsExactly("retention: model cache: 1 loads, 1 hits");
    }

    @Test
    void configurationOverridesTheAnnotationsPaths() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.put("retention.tuned", Fixtures.model("replay").toString());
        TestRuns.Run run = TestRuns.run(cfg, TunedIsNamedByTheAnnotation.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(failure(run.results().testEvents().failed().list().get(0)))
                .hasMessageContaining("expected: \"gentle-ft\"").hasMessageContaining("but was: \"replay\"");
    }

    @Test
    void invalidConfigurationNamesTheKey() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.put("retention.device", "tpu");
        TestRuns.Run run = TestRuns.run(cfg, NeedsTunedTwice.class);
        Throwable t = failure(run.results().containerEvents().failed().list().get(0));
        assertThat(t).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("configuration parameter retention.device = 'tpu' is invalid; "
                + "expected auto, cpu, gpu or gpu:N");
    }

    @Test
    void aCorruptCacheEntryIsReportedAndRecomputedNeverTrusted() throws IOException {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        TestRuns.run(cfg, NeedsTunedTwice.class);
        try (Stream<Path> entries = Files.list(work.resolve("cache"))) {
            for (Path p : entries.toList()) {
                String text = Files.readString(p);
                Files.writeString(p, text.substring(0, text.length() / 2), StandardCharsets.UTF_8);
            }
        }
        TestRuns.Run second = TestRuns.run(cfg, NeedsTunedTwice.class);
        second.results().testEvents().assertStatistics(s -> s.succeeded(2));
        assertThat(second.lines("retention: ignoring scorecard cache entry")).as("one entry per model, both damaged")
                .hasSize(2).allSatisfy(l -> assertThat(l).contains("content does not match its checksum"));
        assertThat(second.lines("retention: scorecard cache miss: scoring lora on general")).hasSize(1);
        assertThat(second.lines("retention: scorecard cache miss: scoring base on general")).hasSize(1);
    }

    @Test
    void everyCategoryIsItsOwnTestSortedByName() {
        TestRuns.Run run = TestRuns.run(TestRuns.fixtureConfig(work), PerCategory.class);
        run.results().testEvents().assertStatistics(s -> s.started(5).succeeded(5));
        assertThat(run.results().testEvents().started().list()).extracting(e -> e.getTestDescriptor().getDisplayName())
                .containsExactly("arithmetic", "format", "geography", "reasoning", "wordplay");
    }

    @Test
    void theRunWritesSelfContainedHtmlAndJsonReports() throws IOException {
        TestRuns.Run run = TestRuns.run(TestRuns.fixtureConfig(work), PerCategory.class);
        Path html = work.resolve("report/report.html");
        assertThat(run.lines("retention: report: ")).singleElement().asString()
                .endsWith(" (latest run: " + html + ", every run: " + work.resolve("report/index.html") + ")");
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg", "arithmetic", "wordplay", "base", "lora")
                .doesNotContain("<script", "http://", "https://", "src=", "@import", "url(");
        JsonObject json = JsonParser.parseString(Files.readString(work.resolve("report/report.json"))).getAsJsonObject();
        assertThat(json.get("schema").getAsString()).isEqualTo("retention-report");
        assertThat(json.getAsJsonArray("assertions")).hasSize(5);
        assertThat(json.getAsJsonArray("assertions").get(0).getAsJsonObject().get("test").getAsString())
                .isEqualTo("retainsEveryCategory [arithmetic]");
    }

    @Test
    void aRecordedBaselineIsWrittenOnceAndThenUsedWithoutTheBaselineModel() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        Path recorded = work.resolve("baseline-general.json");
        cfg.put("retention.baseline.recorded", recorded.toString());
        cfg.put("retention.baseline.record", "true");
        TestRuns.Run record = TestRuns.run(cfg, NeedsTunedTwice.class);
        record.results().testEvents().assertStatistics(s -> s.succeeded(2));
        assertThat(record.lines("retention: recorded baseline base on general to " + recorded)).hasSize(1);

        cfg.remove("retention.baseline.record");
        cfg.remove("retention.baseline");
        cfg.put("retention.cache.mode", "off");
        TestRuns.Run use = TestRuns.run(cfg, NeedsTunedTwice.class);
        use.results().testEvents().assertStatistics(s -> s.succeeded(2));
        assertThat(use.lines("retention: loading ")).singleElement().asString().startsWith("retention: loading lora");
    }

    @Test
    void aMissingRecordedBaselineIsAConfigurationErrorSayingHowToRecordIt() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        Path missing = work.resolve("never-recorded.json");
        cfg.put("retention.baseline.recorded", missing.toString());
        cfg.remove("retention.baseline");
        TestRuns.Run run = TestRuns.run(cfg, NeedsTunedTwice.class);
        Throwable t = failure(run.results().containerEvents().failed().list().get(0));
        assertThat(t).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("recorded baseline " + missing.toAbsolutePath().normalize() + " does not exist; record it "
                        + "once with -Dretention.baseline.record=true");
    }

    @RetentionTest
    static class NeedsTunedTwice {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @Test
        void first(Suite suite) {
            assertThat(tuned.scorecard(suite).categories()).isNotEmpty();
            assertThat(base.scorecard(suite).categories()).isNotEmpty();
        }

        @Test
        void second(Suite suite) {
            assertThat(tuned.scorecard(suite).items()).hasSize(240);
        }
    }

    @RetentionTest(tuned = "models/gentle-ft")
    static class TunedIsNamedByTheAnnotation {
        @Test
        void tunedIsGentle(@Tuned ScoredModel tuned) {
            assertThat(tuned.name()).isEqualTo("gentle-ft");
        }
    }

    @RetentionTest
    static class PerCategory {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @ParameterizedTest(name = "{0}")
        @CategorySource
        void retainsEveryCategory(String category, Suite suite) {
            assertThat(base.scorecard(suite).category(category).accuracy()).isGreaterThanOrEqualTo(0.95);
            assertThatModel(tuned).retains(base).onCategory(category).within(0.05);
        }
    }
}
