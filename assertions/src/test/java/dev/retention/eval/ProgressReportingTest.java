package dev.retention.eval;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Long evaluations say how far they are, how fast they go and how long is left; short ones stay quiet. */
class ProgressReportingTest {

    @Test
    void aReportNamesTheTaskTheCountsTheRateAndTheTimeLeft() {
        Progress p = new Progress("lora on general: generate", 120, 312, 41.23, Duration.ofSeconds(5));
        assertThat(p.line()).isEqualTo("lora on general: generate 120/312 (38%), 41.2 req/s, ETA 5s");
    }

    @Test
    void everyIntervalAReportUntilTheLastOneSaysDone() {
        List<Progress> seen = new ArrayList<>();
        ProgressMeter meter = new ProgressMeter("task", 10, seen::add, Duration.ZERO);
        meter.advance(4);
        meter.advance(4);
        meter.advance(2);
        assertThat(seen).extracting(Progress::done).containsExactly(4L, 8L, 10L);
        assertThat(seen).allSatisfy(p -> assertThat(p.total()).isEqualTo(10));
        assertThat(seen.get(2).eta()).isEqualTo(Duration.ZERO);
        assertThat(seen.get(0).perSecond()).isPositive();
    }

    @Test
    void aTaskShorterThanTheIntervalReportsNothing() {
        List<Progress> seen = new ArrayList<>();
        ProgressMeter meter = new ProgressMeter("task", 3, seen::add, Duration.ofHours(1));
        meter.advance(1);
        meter.advance(2);
        assertThat(seen).isEmpty();
    }

    @Test
    void scoringASuiteReportsUpToItsLastRequest() {
        List<Progress> seen = new ArrayList<>();
        try (CausalLm lm = CausalLm.load(Fixtures.model("base"), ModelOptions.defaults().withDevice("cpu"))) {
            Evaluator.of(lm, EvalConfig.defaults().withBatchSize(32).withProgress(seen::add, Duration.ZERO))
                    .score(Suite.load(Fixtures.domainSuite()));
        }
        assertThat(seen).isNotEmpty();
        assertThat(seen).extracting(Progress::task).allSatisfy(t -> assertThat(t).startsWith("base"));
        Progress last = seen.get(seen.size() - 1);
        assertThat(last.done()).isEqualTo(last.total());
        assertThat(last.line()).contains(last.total() + "/" + last.total() + " (100%)");
    }

    @Test
    void theConfigsMeterTakesUnitsDoneSoFarAsTheFisherEstimateCountsThem() {
        List<Progress> seen = new ArrayList<>();
        var meter = EvalConfig.defaults().withProgress(seen::add, Duration.ZERO).progressMeter("base: Fisher on s", 6);
        meter.accept(2);
        meter.accept(6);
        assertThat(seen).extracting(Progress::done).containsExactly(2L, 6L);
        assertThat(seen).extracting(Progress::task).containsOnly("base: Fisher on s");
    }
}
