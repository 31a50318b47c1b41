package dev.retention.diagnostics;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.ProgressListener;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Fisher-weighted drift tells the fixture recipes apart: the full fine-tune moved the weights
 * that matter for general ability far more than replay or LoRA, and more at every checkpoint.
 *
 * <p>Runs in a JVM of its own (tag {@code own-jvm}: a separate Surefire execution in this module's
 * pom): in a JVM that has already run many other diagnostics, an estimate has intermittently come
 * out non-finite
 * (an open defect, not yet located; {@code DiagonalFisher} refuses such an estimate rather than
 * return it).
 */
@Tag("own-jvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FisherDriftOnFixturesTest {

    private final Map<String, CausalLm> models = new LinkedHashMap<>();
    private Evaluator base;
    private Suite general;

    @BeforeAll
    void load() {
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        List<String> names = new ArrayList<>(List.of("base", "lora", "replay", "full-ft"));
        names.addAll(Fixtures.checkpointNames());
        for (String n : names) {
            models.put(n, CausalLm.load(Fixtures.model(n), cpu));
        }
        base = Evaluator.of(models.get("base"), EvalConfig.defaults().withProgress(ProgressListener.none(),
                Duration.ofHours(1)));
        general = Suite.load(Fixtures.generalSuite());
    }

    @AfterAll
    void close() {
        models.values().forEach(CausalLm::close);
    }

    @Test
    void fullFineTuneMovedTheWeightsThatMatterForGeneralAbilityFarMore() {
        List<FisherDrift> drift = FisherDrift.between(List.of(models.get("full-ft"), models.get("replay"),
                models.get("lora")), base, general);
        double full = drift.get(0).total();
        double replay = drift.get(1).total();
        double lora = drift.get(2).total();
        System.out.printf("Fisher-weighted drift on general: full-ft %.5g, replay %.5g, lora %.5g%n", full, replay, lora);
        assertThat(full).isGreaterThan(5 * Math.max(replay, lora));
    }

    @Test
    void fisherDriftGrowsAlongTheFullFineTuneRun() {
        List<String> run = new ArrayList<>(Fixtures.checkpointNames());
        run.add("full-ft");
        List<Double> fisher = FisherDrift.between(run.stream().map(models::get).toList(), base, general).stream()
                .map(FisherDrift::total).toList();
        System.out.println("full-ft run " + run + "\n  Fisher drift " + fisher);
        assertThat(fisher).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void theFisherEstimateLeavesNoNdArraysBehind() {
        CausalLm tuned = models.get("replay");
        CausalLm b = models.get("base");
        int tunedBefore = tuned.liveArrayCount();
        int baseBefore = b.liveArrayCount();
        FisherDrift.between(List.of(tuned, tuned, tuned), base, general);
        assertThat(tuned.liveArrayCount()).isEqualTo(tunedBefore);
        assertThat(b.liveArrayCount()).isEqualTo(baseBefore);
    }
}
