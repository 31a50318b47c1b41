package dev.retention.model;

import dev.retention.diagnostics.internal.FisherDrift;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Generation;
import dev.retention.eval.Loglikelihood;
import dev.retention.eval.ProgressListener;
import dev.retention.fixtures.Fixtures;
import dev.retention.fixtures.internal.FakeCompletionsServer;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A model on a serving engine is a {@link CausalLm} like any other for scoring and generation: the
 * engine must serve the declared name and pass the self-check, log-likelihoods come from its prompt
 * scores, generations run whole on it, and what needs weights or full distributions is refused.
 * (Against a real vLLM: ServingEngineIntegrationTest, run by .ci/serving-engine.sh.)
 */
class ServedModelTest {

    @TempDir
    Path tokenizer;

    private FakeCompletionsServer server;

    @BeforeEach
    void start() throws IOException {
        server = new FakeCompletionsServer();
        // a word-level tokenizer whose tokens are "<0>".."<99>" and whose decoder joins them without spaces,
        // which is how the fake engine writes its text
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            vocab.append(i == 0 ? "" : ", ").append("\"<").append(i).append(">\": ").append(i);
        }
        Files.writeString(tokenizer.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"truncation\": null, "
                + "\"padding\": null, \"added_tokens\": [], \"normalizer\": null, \"pre_tokenizer\": {\"type\": "
                + "\"WhitespaceSplit\"}, \"post_processor\": null, \"decoder\": {\"type\": \"Fuse\"}, \"model\": {\"type\": "
                + "\"WordLevel\", \"vocab\": {" + vocab + "}, \"unk_token\": \"<0>\"}}");
        Files.writeString(tokenizer.resolve("tokenizer_config.json"), "{\"eos_token\": \"<1>\"}");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String locator() {
        return server.base() + "#" + FakeCompletionsServer.MODEL;
    }

    private CausalLm load(ModelOptions options) {
        return CausalLm.load(locator(), options.withTokenizer(tokenizer));
    }

    private static Evaluator quiet(CausalLm lm) {
        return Evaluator.of(lm, EvalConfig.defaults().withProgress(ProgressListener.none(), Duration.ofHours(1)));
    }

    @Test
    void logLikelihoodsComeFromTheEnginesPromptScores() {
        try (CausalLm lm = load(ModelOptions.defaults())) {
            assertThat(lm.isServed()).isTrue();
            assertThat(lm.contextLength()).as("max_model_len minus the scored sequence's last token and the "
                    + "generated one").isEqualTo(2046);
            Loglikelihood ll = quiet(lm).loglikelihood("<10> <11> <12>", " <13> <14>");
            double expected = FakeCompletionsServer.logProb(List.of(10, 11, 12), 13)
                    + FakeCompletionsServer.logProb(List.of(10, 11, 12, 13), 14);
            assertThat(ll.logLikelihood()).isCloseTo(expected, within(1e-12));
            assertThat(ll.greedy()).isEqualTo(FakeCompletionsServer.next(List.of(10, 11, 12)) == 13
                    && FakeCompletionsServer.next(List.of(10, 11, 12, 13)) == 14);
        }
    }

    @Test
    void greedyGenerationRunsWholeOnTheEngine() {
        try (CausalLm lm = load(ModelOptions.defaults())) {
            Generation g = quiet(lm).generate("<20> <21>", 3, List.of());
            int a = FakeCompletionsServer.next(List.of(20, 21));
            int b = FakeCompletionsServer.next(List.of(20, 21, a));
            int c = FakeCompletionsServer.next(List.of(20, 21, a, b));
            assertThat(g.tokens()).containsExactly(a, b, c);
            assertThat(g.text()).isEqualTo("<" + a + "><" + b + "><" + c + ">");
            assertThat(g.stopReason()).isEqualTo(Generation.StopReason.MAX_TOKENS);
        }
    }

    @Test
    void theIdentityCoversEndpointServedModelMetadataTokenizerAndRevision() {
        String a = CausalLm.describe(locator(), ModelOptions.defaults().withTokenizer(tokenizer)).fingerprint();
        String b = CausalLm.describe(locator(), ModelOptions.defaults().withTokenizer(tokenizer)).fingerprint();
        ModelOptions.Serving pinned = new ModelOptions.Serving(Optional.empty(), Duration.ofSeconds(30), 4, 1,
                Optional.of("v7"), ServerSelfCheck.FLOAT32_TOLERANCE);
        String c = CausalLm.describe(locator(), ModelOptions.defaults().withTokenizer(tokenizer).withServing(pinned))
                .fingerprint();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
        try (CausalLm lm = load(ModelOptions.defaults())) {
            assertThat(lm.fingerprint()).isEqualTo(a);
        }
    }

    @Test
    void anEngineServingAnotherModelOrFailingTheSelfCheckIsRefused() {
        server.serve("someone-else");
        assertThatThrownBy(() -> load(ModelOptions.defaults())).hasMessageContaining("someone-else");
        server.serve(FakeCompletionsServer.MODEL);
        server.fault(FakeCompletionsServer.Fault.ECHO_OFFSET); // its prompt scores disagree with its generations
        server.echoOffset(-0.5);
        assertThatThrownBy(() -> load(ModelOptions.defaults())).isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("is refused");
    }

    @Test
    void whatNeedsWeightsOrDistributionsIsRefusedByName() {
        try (CausalLm lm = load(ModelOptions.defaults())) {
            assertThatThrownBy(() -> Weights.deltas(lm, lm)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("is a model on a serving engine, which does not give its weights");
            assertThatThrownBy(() -> lm.greedy(List.of(new int[] {10}))).hasMessageContaining("generateServed");
            assertThatThrownBy(() -> FisherDrift.between(List.of(lm), quiet(lm), Suite.load(Fixtures.generalSuite())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is a served model; give a local copy of it as the baseline");
        }
    }

    @Test
    void aGenerationBudgetThatLeavesNoRoomForThePromptIsRefusedBeforeTheEngineIsAsked() {
        server.maxModelLen(40);
        try (CausalLm lm = load(ModelOptions.defaults())) {
            int asked = server.requests().size();
            assertThatThrownBy(() -> quiet(lm).generate("<20> <21>", 38, List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxNewTokens 38 leaves no room for the prompt in the context window of 38");
            assertThat(server.requests()).as("no request reached the engine").hasSize(asked);
        }
    }

    @Test
    void closingAServedModelWaitsForTheCallItIsRunning() throws Exception {
        CausalLm lm = load(ModelOptions.defaults());
        int before = server.requests().size();
        server.handlingTime(300);
        CompletableFuture<Loglikelihood> call = CompletableFuture.supplyAsync(
                () -> quiet(lm).loglikelihood("<10> <11> <12>", " <13>"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.requests().size() == before && System.nanoTime() < deadline) {
            Thread.sleep(5); // until the call is at the engine
        }
        assertThat(server.requests()).as("the call reached the engine").hasSizeGreaterThan(before);

        lm.close();

        // without the wait, close() shut the client's executor under the call, which then hung for good
        assertThat(call.get(30, TimeUnit.SECONDS).logLikelihood()).as("the running call finished normally")
                .isEqualTo(FakeCompletionsServer.logProb(List.of(10, 11, 12), 13));
        assertThatThrownBy(() -> quiet(lm).loglikelihood("<10>", " <11>")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void aRowFillingTheContextWindowFitsTheEngine() {
        server.maxModelLen(40);
        try (CausalLm lm = load(ModelOptions.defaults())) {
            assertThat(lm.contextLength()).isEqualTo(38);
            int[] input = new int[38];
            java.util.Arrays.setAll(input, i -> 10 + i % 50);
            int[] targets = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(input, 31, 38), 8);
            targets[7] = 17; // the engine scores the input and this last target: max_model_len - 1 tokens
            TokenScores s = lm.score(List.of(new ScoreRow(input, 30, targets))).get(0);
            List<Integer> seq = new java.util.ArrayList<>();
            for (int t : input) {
                seq.add(t);
            }
            assertThat(s.logProbs()[7]).isEqualTo(FakeCompletionsServer.logProb(seq, 17));
        }
    }

    @Test
    void aContextLengthTheEngineCannotHoldIsRefusedNamingTheKey() {
        server.maxModelLen(40);
        assertThatThrownBy(() -> load(ModelOptions.defaults().withContextLength(39)))
                .hasMessageContaining("context length 39 does not fit " + locator())
                .hasMessageContaining("max_model_len - 2 = 38")
                .hasMessageContaining("retention.contextLength");
        try (CausalLm lm = load(ModelOptions.defaults().withContextLength(38))) {
            assertThat(lm.contextLength()).isEqualTo(38);
        }
    }

    @Test
    void aServedModelNeedsItsLocalTokenizer() {
        assertThatThrownBy(() -> CausalLm.load(locator(), ModelOptions.defaults()))
                .hasMessageContaining("give its local tokenizer directory");
    }
}
