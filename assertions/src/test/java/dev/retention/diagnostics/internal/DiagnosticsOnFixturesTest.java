package dev.retention.diagnostics.internal;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.ProgressListener;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weight-space and distribution diagnostics tell the fixture recipes apart: LoRA changed only
 * its adapted matrices, each by a low-rank update; the full fine-tune changed everything at full
 * rank and shifted next-token distributions far more than replay or LoRA (the Fisher-weighted drift:
 * {@link FisherDriftOnFixturesTest}). Measured values are printed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiagnosticsOnFixturesTest {

    private static final Pattern LORA_TARGETS = Pattern.compile(
            "model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight");

    private final Map<String, CausalLm> models = new LinkedHashMap<>();
    private Evaluator base;
    private String text;

    @BeforeAll
    void load() throws IOException {
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        List<String> names = new ArrayList<>(List.of("base", "lora", "replay", "full-ft"));
        names.addAll(Fixtures.checkpointNames());
        for (String n : names) {
            models.put(n, CausalLm.load(Fixtures.model(n), cpu));
        }
        base = Evaluator.of(models.get("base"), EvalConfig.defaults().withProgress(ProgressListener.none(), Duration.ofHours(1)));
        text = Files.readString(Fixtures.generalText());
    }

    @AfterAll
    void close() {
        models.values().forEach(CausalLm::close);
    }

    private ParameterDrift drift(String name) {
        return ParameterDrift.between(models.get(name), models.get("base"));
    }

    @Test
    void loraChangedOnlyItsAdaptedMatricesAndLeftEverythingElseBitIdentical() {
        ParameterDrift d = drift("lora");
        assertThat(d.changed()).hasSize(21).allMatch(n -> LORA_TARGETS.matcher(n).matches());
        assertThat(d.changedOutside(LORA_TARGETS)).isEmpty();
        assertThat(drift("full-ft").changedOutside(LORA_TARGETS)).as("full-ft also changed embeddings, norms and biases")
                .contains("model.embed_tokens.weight", "model.norm.weight");
        System.out.printf("RMS drift from base: lora %.6f, replay %.6f, full-ft %.6f%n", d.rms(), drift("replay").rms(),
                drift("full-ft").rms());
    }

    @Test
    void everyLoraChangeHasRankAtMostEightAndFullFineTuneChangesDoNot() {
        List<ChangeRank> lora = ChangeRank.of(models.get("lora"), models.get("base"), drift("lora"), 8, ChangeRank.TOLERANCE);
        assertThat(lora).hasSize(21).allSatisfy(r -> assertThat(r.rank()).as(r.parameter()).isBetween(1, 8));
        List<ChangeRank> full = ChangeRank.of(models.get("full-ft"), models.get("base"), drift("full-ft"), 8,
                ChangeRank.TOLERANCE);
        assertThat(full).isNotEmpty().allSatisfy(r -> assertThat(r.rank()).as(r.parameter()).isGreaterThan(8));
        System.out.println("ranks of ΔW, lora: " + lora.stream().map(ChangeRank::rank).toList()
                + "; full-ft: " + full.stream().map(r -> r.parameter() + "=" + (r.rank() > 16 ? ">16" : r.rank())).toList());
    }

    @Test
    void fullFineTuneShiftedNextTokenDistributionsFarMore() {
        double full = DistributionDrift.on(text, base, models.get("full-ft")).meanKl();
        double replay = DistributionDrift.on(text, base, models.get("replay")).meanKl();
        DistributionDrift lora = DistributionDrift.on(text, base, models.get("lora"));
        System.out.printf("mean KL(base ‖ model) per token on general-text: full-ft %.4f, replay %.4f, lora %.4f nats%n",
                full, replay, lora.meanKl());
        assertThat(full).isGreaterThan(3 * Math.max(replay, lora.meanKl()));
        assertThat(lora.largestFalls()).hasSize(10)
                .allSatisfy(f -> assertThat(f.tunedProbability()).isLessThanOrEqualTo(f.baselineProbability()));
    }

    @Test
    void weightDriftGrowsAlongTheFullFineTuneRun() {
        List<String> run = new ArrayList<>(Fixtures.checkpointNames());
        run.add("full-ft");
        List<Double> rms = new ArrayList<>();
        List<Double> kl = new ArrayList<>();
        for (String n : run) {
            rms.add(drift(n).rms());
            kl.add(DistributionDrift.on(text, base, models.get(n)).meanKl());
        }
        System.out.println("full-ft run " + run + "\n  RMS drift " + rms + "\n  mean KL " + kl);
        assertThat(rms).isSorted().doesNotHaveDuplicates();
        // Measured on the committed run: KL grows at every checkpoint too (Fisher drift: FisherDriftOnFixturesTest).
        assertThat(kl).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void diagnosticsLeaveNoNdArraysBehind() {
        CausalLm tuned = models.get("replay");
        CausalLm b = models.get("base");
        drift("replay");
        int tunedBefore = tuned.liveArrayCount();
        int baseBefore = b.liveArrayCount();
        for (int i = 0; i < 3; i++) {
            ChangeRank.of(tuned, b, drift("replay"), 8, ChangeRank.TOLERANCE);
            DistributionDrift.on(text, base, tuned);
        }
        assertThat(tuned.liveArrayCount()).isEqualTo(tunedBefore);
        assertThat(b.liveArrayCount()).isEqualTo(baseBefore);
    }
}
