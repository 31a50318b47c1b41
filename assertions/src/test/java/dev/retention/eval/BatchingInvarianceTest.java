package dev.retention.eval;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchingInvarianceTest {

    private CausalLm lm;
    private final List<LoglikelihoodRequest> requests = new ArrayList<>();
    private final List<GenerationRequest> prompts = new ArrayList<>();

    @BeforeAll
    void load() {
        lm = CausalLm.load(Fixtures.model("replay"), ModelOptions.defaults().withDevice("cpu"));
        for (SuiteItem item : Suite.load(Fixtures.generalSuite()).items()) {
            if (item instanceof SuiteItem.Generate g) {
                requests.add(new LoglikelihoodRequest(g.prompt(), g.answer().orElseThrow()));
                prompts.add(new GenerationRequest(g.prompt(), g.maxTokens(), g.stop()));
            } else if (item instanceof SuiteItem.Choice c) {
                c.choices().forEach(ch -> requests.add(new LoglikelihoodRequest(c.context(), " " + ch)));
            }
        }
    }

    @AfterAll
    void close() {
        lm.close();
    }

    private Evaluator at(int batch) {
        return Evaluator.of(lm, EvalConfig.defaults().withBatchSize(batch).withProgress(ProgressListener.none(),
                Duration.ofHours(1)));
    }

    /**
     * Batching changes only padding and batch shape, which the mask hides from the result, but the
     * kernels then block their float32 sums differently: the same per-token rounding bound as the
     * PyTorch parity ({@link ReferenceParityTest#PER_TOKEN} nats per scored token) applies.
     */
    @Test
    void scoresAgreeWithinTheFloatBoundPerTokenAcrossBatchSizes1And8And32InRequestOrder() {
        List<Loglikelihood> one = at(1).loglikelihood(requests);
        double worstPerToken = 0;
        for (int b : new int[] {8, 32}) {
            List<Loglikelihood> other = at(b).loglikelihood(requests);
            for (int i = 0; i < one.size(); i++) {
                int tokens = one.get(i).tokens();
                assertThat(other.get(i).tokens()).isEqualTo(tokens);
                assertThat(other.get(i).logLikelihood()).as("request %d at batch %d", i, b)
                        .isCloseTo(one.get(i).logLikelihood(), within(ReferenceParityTest.PER_TOKEN * tokens));
                assertThat(other.get(i).greedy()).isEqualTo(one.get(i).greedy());
                worstPerToken = Math.max(worstPerToken,
                        Math.abs(other.get(i).logLikelihood() - one.get(i).logLikelihood()) / tokens);
            }
        }
        System.out.printf("batching: worst |batch 8 or 32 - batch 1| per scored token %.2e (tolerance %.0e)%n",
                worstPerToken, ReferenceParityTest.PER_TOKEN);
    }

    @Test
    void greedyGenerationsAreTheSameAtEveryBatchSize() {
        List<String> one = at(1).generate(prompts).stream().map(Generation::text).toList();
        assertThat(at(32).generate(prompts).stream().map(Generation::text).toList()).isEqualTo(one);
    }

    @Test
    void scoringLeavesNoNdArraysBehind() {
        Evaluator ev = at(16);
        ev.loglikelihood(requests);
        int before = lm.liveArrayCount();
        for (int i = 0; i < 3; i++) {
            ev.loglikelihood(requests);
            ev.generate(prompts.subList(0, 20));
            ev.rollingLoglikelihood("A long text about capitals. ".repeat(40));
        }
        assertThat(lm.liveArrayCount()).isEqualTo(before);
    }
}
