package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where an adapter's base comes from: {@code retention.<role>.base}, else the local folder its
 * {@code base_model_name_or_path} names, else the run's baseline; and every case that cannot work is
 * refused naming the adapter, what its config says and the fix.
 */
class AdapterBaseResolutionTest {

    @TempDir
    Path work;

    private Map<String, String> config() {
        return TestRuns.privateConfig(work);
    }

    private static Path dir(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static Throwable onlyFailure(TestRuns.Run run) {
        List<Event> failed = Stream.concat(run.results().containerEvents().failed().stream(),
                run.results().testEvents().failed().stream()).toList();
        assertThat(failed).as("failures").hasSize(1);
        return failed.get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @Test
    void anAdapterRunsOnTheBaselineWhenItsBaseNamesNoLocalFolder() {
        Map<String, String> cfg = config();
        cfg.put("retention.baseline", Fixtures.model("base").toString());
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        TestRuns.Run run = TestRuns.run(cfg, BaseOfTheTunedModel.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(run.stdout()).contains("base of lora: " + dir(Fixtures.model("base")));
    }

    @Test
    void theBaseKeyWinsOverTheBaseline() {
        Map<String, String> cfg = config();
        cfg.put("retention.baseline", Fixtures.model("base").toString());
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        cfg.put("retention.tuned.base", Fixtures.model("lora").toString());
        TestRuns.Run run = TestRuns.run(cfg, BaseOfTheTunedModel.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(run.stdout()).contains("base of lora: " + dir(Fixtures.model("lora")));
    }

    @Test
    void aLocalFolderNamedByTheAdapterWinsOverTheBaseline() throws IOException {
        Path adapter = copy(Fixtures.loraAdapter("lora"), work.resolve("adapters/lora"));
        Path base = copy(Fixtures.model("base"), work.resolve("adapters/the-base"));
        Path config = adapter.resolve("adapter_config.json");
        Files.writeString(config, Files.readString(config).replace("\"retention-fixtures/base\"", "\"../the-base\""));
        Map<String, String> cfg = config();
        cfg.put("retention.baseline", Fixtures.model("lora").toString());
        cfg.put("retention.tuned", adapter.toString());
        TestRuns.Run run = TestRuns.run(cfg, BaseOfTheTunedModel.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        assertThat(run.stdout()).contains("base of lora: " + dir(base));
    }

    @Test
    void withoutABaselineAnAdapterWhoseBaseIsNoLocalFolderIsRefusedNamingTheFix() {
        Map<String, String> cfg = config();
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        Throwable t = onlyFailure(TestRuns.run(cfg, BaseOfTheTunedModel.class));
        assertThat(t).hasMessage("the tuned model " + dir(Fixtures.loraAdapter("lora")) + " is a PEFT adapter whose "
                + "adapter_config.json has base_model_name_or_path 'retention-fixtures/base', which names no local "
                + "folder (looked up relative to the adapter and the working directory), and the run has no baseline "
                + "model to use as its base; set retention.tuned.base to the base model's directory, or give the run a "
                + "baseline model (the base itself) with @RetentionTest(baseline) or retention.baseline");
    }

    @Test
    void aNamedAdapterIsToldItsOwnBaseKey() {
        Map<String, String> cfg = config();
        cfg.put("retention.model.attn", Fixtures.loraAdapter("lora-attn-r4").toString());
        Throwable t = onlyFailure(TestRuns.run(cfg, NamedAdapter.class));
        assertThat(t).hasMessageStartingWith("the model 'attn' " + dir(Fixtures.loraAdapter("lora-attn-r4")))
                .hasMessageContaining("set retention.model.attn.base to the base model's directory");
        cfg.put("retention.model.attn.base", Fixtures.model("base").toString());
        TestRuns.Run fixed = TestRuns.run(cfg, NamedAdapter.class);
        fixed.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
    }

    @Test
    void anAdapterThatDoesNotFitItsBaseIsRefusedNamingBoth() {
        Map<String, String> cfg = config();
        cfg.put("retention.baseline", Fixtures.model("base").toString());
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        cfg.put("retention.tuned.base", Fixtures.hf("llama").toString());
        Throwable t = onlyFailure(TestRuns.run(cfg, BaseOfTheTunedModel.class));
        assertThat(t).hasMessageStartingWith("adapter lora at " + dir(Fixtures.loraAdapter("lora"))
                        + " over base model llama at " + dir(Fixtures.hf("llama")) + " could not be loaded in this run: "
                        + dir(Fixtures.loraAdapter("lora")).resolve("adapter_model.safetensors") + ": ")
                .hasMessageContaining("the adapter does not fit this base model");
    }

    @Test
    void theBaseKeyOfAModelThatIsNoAdapterIsRefused() {
        Map<String, String> cfg = config();
        cfg.put("retention.tuned", Fixtures.model("lora").toString());
        cfg.put("retention.tuned.base", Fixtures.model("base").toString());
        Throwable t = onlyFailure(TestRuns.run(cfg, BaseOfTheTunedModel.class));
        assertThat(t).hasMessage("configuration parameter retention.tuned.base is set, but the tuned model "
                + dir(Fixtures.model("lora")) + " is not a PEFT adapter (it has no adapter_config.json), so it has no "
                + "base; remove retention.tuned.base");
    }

    @Test
    void aBaseKeyNamingNoDirectoryIsRefused() {
        Map<String, String> cfg = config();
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        cfg.put("retention.tuned.base", work.resolve("missing").toString());
        Throwable t = onlyFailure(TestRuns.run(cfg, BaseOfTheTunedModel.class));
        assertThat(t).hasMessage("configuration parameter retention.tuned.base = '" + work.resolve("missing")
                + "' names no directory (" + work.resolve("missing") + "); give the directory of the base model of "
                + "the adapter " + dir(Fixtures.loraAdapter("lora")));
    }

    @Test
    void doraAndIa3AdaptersAreRefusedByNameBeforeAnythingLoads() {
        Map<String, String> cfg = config();
        cfg.put("retention.baseline", Fixtures.hf("llama").toString());
        cfg.put("retention.tuned", Fixtures.adapter("llama-dora").toString());
        TestRuns.Run dora = TestRuns.run(cfg, BaseOfTheTunedModel.class);
        assertThat(onlyFailure(dora)).hasMessageContaining("adapter_config.json").hasMessageContaining("'use_dora' is true");
        cfg.put("retention.tuned", Fixtures.adapter("llama-ia3").toString());
        TestRuns.Run ia3 = TestRuns.run(cfg, BaseOfTheTunedModel.class);
        assertThat(onlyFailure(ia3)).hasMessageContaining("'peft_type' is IA3");
        assertThat(dora.lines("retention: loading ")).isEmpty();
        assertThat(ia3.lines("retention: loading ")).isEmpty();
    }

    @Test
    void twoAdaptersOverOneBaseDoNotShareAScorecard() throws IOException {
        Path suite = work.resolve("geography.jsonl");
        try (Stream<String> lines = Files.lines(Fixtures.generalSuite())) {
            Files.write(suite, lines.filter(l -> l.contains("\"category\": \"geography\"")).limit(6).toList());
        }
        Map<String, String> cfg = config();
        cfg.put("retention.suite", suite.toString());
        cfg.put("retention.baseline", Fixtures.model("base").toString());
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        TestRuns.run(cfg, ScoresBoth.class).results().testEvents().assertStatistics(s -> s.succeeded(1));

        // another adapter over the same base, in a folder of the same name
        cfg.put("retention.tuned", copy(Fixtures.loraAdapter("lora-mlp"), work.resolve("other/lora")).toString());
        TestRuns.Run other = TestRuns.run(cfg, ScoresBoth.class);
        other.results().testEvents().assertStatistics(s -> s.succeeded(1));
        assertThat(other.lines("retention: scorecard cache hit: base on geography")).hasSize(1);
        assertThat(other.lines("retention: scorecard cache miss: scoring lora on geography")).hasSize(1);

        // the first adapter over another base
        cfg.put("retention.tuned", Fixtures.loraAdapter("lora").toString());
        cfg.put("retention.tuned.base", Fixtures.model("lora").toString());
        TestRuns.Run otherBase = TestRuns.run(cfg, ScoresBoth.class);
        otherBase.results().testEvents().assertStatistics(s -> s.succeeded(1));
        assertThat(otherBase.lines("retention: scorecard cache miss: scoring lora on geography")).hasSize(1);

        try (Stream<Path> entries = Files.list(work.resolve("cache"))) {
            assertThat(entries.toList()).as("base, lora over base, lora-mlp over base, lora over merged lora").hasSize(4);
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @RetentionTest
    static class BaseOfTheTunedModel {
        @Test
        void printsTheBaseItRunsOn(@Tuned CausalLm tuned) {
            assertThat(tuned.isAdapter()).isTrue();
            System.out.println("base of " + tuned.name() + ": " + tuned.baseModel().directory());
        }
    }

    @RetentionTest(models = @RetentionTest.NamedModel(name = "attn", path = "set by retention.model.attn"))
    static class NamedAdapter {
        @Test
        void runsOnItsBase(@Model("attn") CausalLm attn) {
            assertThat(attn.baseModel().directory()).isEqualTo(dir(Fixtures.model("base")));
        }
    }

    @RetentionTest
    static class ScoresBoth {
        @Test
        void scoresBaselineAndTuned(@Baseline ScoredModel base, @Tuned ScoredModel tuned, Suite suite) {
            assertThat(tuned.scorecard(suite).items()).hasSameSizeAs(base.scorecard(suite).items()).isNotEmpty();
        }
    }
}
