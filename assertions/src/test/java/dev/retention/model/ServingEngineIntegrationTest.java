package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.assertions.CategoryVerdict;
import dev.retention.assertions.RetentionEvents;
import dev.retention.assertions.ScoredModel;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.ItemResult;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.Scorecard;
import dev.retention.fixtures.Fixtures;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.SpecialTokens;
import dev.retention.model.internal.TokenScores;
import dev.retention.model.internal.LmTokenizer;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Scores the serving fixture ({@code src-test-fixtures/serving/tiny-llama}) on a real serving engine
 * and compares it with transformers' recorded float32 scores and with Retention's own native
 * scoring of the same checkpoint; runs the self-check against that server (it must pass) and against
 * servers that are wrong (they must be refused). Started by {@code .ci/serving-engine.sh}, which
 * starts the servers and passes:
 *
 * <ul>
 *   <li>{@code retention.serving.model}: {@code http://127.0.0.1:PORT/v1#name} of vLLM serving the fixture</li>
 *   <li>{@code retention.serving.wrong}: comma-separated endpoints of servers that must fail the self-check</li>
 * </ul>
 *
 * <p>Excluded from the default build (tag {@code serving-engine}); run with {@code -Pserving-engine}.
 * A missing property fails the test: it never skips.
 *
 * <p>{@link #remoteScores} and {@link #remoteGreedy} go through {@link CompletionsClient} (the
 * engine's own numbers against transformers'); the comparisons with Retention's native scoring, the
 * suite and the verdicts go through the served {@link CausalLm}, as users do.
 */
@Tag("serving-engine")
class ServingEngineIntegrationTest {

    /**
     * Per-token tolerance (natural log) between the server and transformers, both float32. They run
     * different kernels (vLLM's CPU attention and oneDNN GEMMs vs PyTorch's), so logits differ by
     * float32 rounding, about 1e-6 relative, which grows with depth. Measured on vLLM CPU 0.32: at most
     * 1.9e-6 per token on this 2-layer fixture (552 tokens) and 4.1e-5 on the 30-layer SmolLM2-135M
     * (553 tokens; src-test-fixtures/generator/measure_serving_engine.py). A real fault (a BOS added, a
     * position shift, a missing norm, the wrong RoPE base) moves log-probabilities by more than 1e-2.
     */
    static final double PER_TOKEN = 1e-4;

    private static final Path FIXTURE = Path.of("..", "src-test-fixtures", "serving");

    private static JsonObject reference;
    private static ServingEndpoint endpoint;
    private static CompletionsClient client;
    private static LmTokenizer tokenizer;

    @BeforeAll
    static void connect() throws IOException {
        reference = JsonParser.parseString(Files.readString(FIXTURE.resolve("reference.json"))).getAsJsonObject();
        endpoint = ServingEndpoint.parse(required("retention.serving.model"));
        client = new CompletionsClient(endpoint.baseUrl(), endpoint.servedModel(), Optional.empty(),
                Duration.ofSeconds(60), 4, 2, Backoff.defaults());
        client.describe(); // as the remote backend will, before anything else
        tokenizer = LmTokenizer.load(FIXTURE.resolve("tiny-llama/tokenizer.json"), 640,
                new SpecialTokens(OptionalInt.of(0), Set.of(0), OptionalInt.of(1)), false);
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run these tests through "
                    + ".ci/serving-engine.sh, which starts the servers and sets it");
        }
        return v;
    }

    private static List<JsonObject> objects(String key) {
        List<JsonObject> out = new ArrayList<>();
        reference.getAsJsonArray(key).forEach(e -> out.add(e.getAsJsonObject()));
        return out;
    }

    private static int[] ints(JsonArray a) {
        return a.asList().stream().mapToInt(JsonElement::getAsInt).toArray();
    }

    private static List<PromptScores> remoteScores(List<int[]> prompts) {
        return client.promptLogprobs(prompts);
    }

    private static List<Completion> remoteGreedy(List<int[]> prompts, int maxTokens) {
        return client.greedy(prompts, maxTokens, List.of());
    }

    @Test
    void theServerServesTheFixtureUnderTheDeclaredNameWithItsContextWindow() {
        ServedModel m = client.describe();
        assertThat(m.id()).isEqualTo(endpoint.servedModel());
        assertThat(m.maxModelLen()).hasValue(256);
        assertThat(m.metadata()).containsKey("root").containsEntry("owned_by", "vllm");
    }

    @Test
    void promptLogprobsEqualTransformersPerToken() {
        List<JsonObject> probes = objects("probes");
        List<int[]> prompts = probes.stream().map(p -> ints(p.getAsJsonArray("ids"))).toList();
        List<PromptScores> remote = remoteScores(prompts);
        int compared = 0;
        double worst = 0;
        for (int i = 0; i < probes.size(); i++) {
            JsonArray lps = probes.get(i).getAsJsonArray("logprobs");
            JsonArray argmax = probes.get(i).getAsJsonArray("argmax");
            JsonArray margins = probes.get(i).getAsJsonArray("margins");
            PromptScores r = remote.get(i);
            for (int t = 1; t < lps.size(); t++, compared++) {
                double expected = lps.get(t).getAsDouble();
                worst = Math.max(worst, Math.abs(r.logProbs()[t - 1] - expected));
                assertThat(Math.abs(r.logProbs()[t - 1] - expected))
                        .as("probe %d token %d (id %d): remote %s, transformers %s", i, t, prompts.get(i)[t],
                                r.logProbs()[t - 1], expected)
                        .isLessThanOrEqualTo(PER_TOKEN);
                if (margins.get(t).getAsDouble() > 2 * PER_TOKEN) { // a clear argmax cannot flip within the tolerance
                    assertThat(r.top1()[t - 1]).as("top-1 of probe %d at token %d", i, t)
                            .isEqualTo(argmax.get(t).getAsInt());
                }
            }
        }
        assertThat(compared).isEqualTo(prompts.stream().mapToInt(p -> p.length - 1).sum()).isGreaterThan(250);
        System.out.printf("remote vs transformers: %d tokens, max difference %.3g per token%n", compared, worst);
    }

    @Test
    void greedyOutputsEqualTransformers() {
        List<JsonObject> cases = objects("greedy");
        List<int[]> prompts = cases.stream().map(g -> ints(g.getAsJsonArray("prompt"))).toList();
        List<Completion> remote = remoteGreedy(prompts, cases.get(0).get("maxTokens").getAsInt());
        for (int i = 0; i < cases.size(); i++) {
            JsonObject g = cases.get(i);
            Completion c = remote.get(i);
            assertThat(c.tokens()).as("greedy ids of case %d", i).containsExactly(ints(g.getAsJsonArray("ids")));
            assertThat(c.finishReason().name().toLowerCase(java.util.Locale.ROOT))
                    .isEqualTo(g.get("finishReason").getAsString());
            assertThat(c.text()).isEqualTo(ServerSelfCheck.withoutTrailingReplacement(tokenizer.decode(c.tokens())));
            JsonArray lps = g.getAsJsonArray("logprobs");
            for (int k = 0; k < lps.size(); k++) {
                assertThat(Math.abs(c.logProbs()[k] - lps.get(k).getAsDouble())).as("case %d token %d", i, k)
                        .isLessThanOrEqualTo(PER_TOKEN);
            }
        }
    }

    @Test
    void remoteScoresEqualRetentionsNativeScoringOfTheSameCheckpoint() {
        List<JsonObject> probes = objects("probes");
        List<int[]> prompts = probes.stream().map(p -> ints(p.getAsJsonArray("ids"))).toList();
        List<ScoreRow> rows = prompts.stream()
                .map(p -> new ScoreRow(Arrays.copyOf(p, p.length - 1), 0, Arrays.copyOfRange(p, 1, p.length)))
                .toList();
        List<TokenScores> local;
        List<TokenScores> remote;
        ModelOptions options = ModelOptions.defaults().withDevice("cpu");
        try (CausalLm lm = CausalLm.load(FIXTURE.resolve("tiny-llama"), options);
             CausalLm served = CausalLm.load(endpoint.toString(), options.withTokenizer(FIXTURE.resolve("tiny-llama")))) {
            local = lm.score(rows);
            remote = served.score(rows);
        }
        List<PromptScores> client = remoteScores(prompts);
        double worst = 0;
        for (int i = 0; i < prompts.size(); i++) {
            TokenScores r = remote.get(i);
            TokenScores c = client.get(i).continuation(1);
            TokenScores l = local.get(i);
            JsonArray margins = probes.get(i).getAsJsonArray("margins");
            assertThat(r.targets()).containsExactly(l.targets());
            assertThat(r.logProbs()).as("the served model's scores are the engine's prompt scores")
                    .containsExactly(c.logProbs());
            for (int t = 0; t < l.logProbs().length; t++) {
                assertThat(Math.abs(r.logProbs()[t] - l.logProbs()[t])).as("probe %d token %d", i, t)
                        .isLessThanOrEqualTo(PER_TOKEN);
                worst = Math.max(worst, Math.abs(r.logProbs()[t] - l.logProbs()[t]));
                if (margins.get(t + 1).getAsDouble() > 2 * PER_TOKEN) {
                    assertThat(r.argmax()[t]).as("greedy token of probe %d at %d", i, t).isEqualTo(l.argmax()[t]);
                }
            }
            assertThat(Math.abs(r.sum() - l.sum())).as("log-likelihood of probe %d", i)
                    .isLessThanOrEqualTo(PER_TOKEN * l.logProbs().length);
        }
        System.out.printf("remote vs Retention's native scoring: max difference %.3g per token%n", worst);
    }

    @Test
    void tokenIdPromptsAreScoredAsSentThoughTheServerAddsABosToText() throws Exception {
        // The fixture's tokenizer.json adds <|endoftext|> (id 0) in front of a text; the server must not
        // do that to a token-id prompt (the client checks every echoed token; here the text side shows
        // that the check has something to catch).
        String text = objects("probes").get(3).get("text").getAsString();
        String body = "{\"model\":\"" + endpoint.servedModel() + "\",\"prompt\":" + new com.google.gson.Gson().toJson(text)
                + ",\"max_tokens\":1,\"temperature\":0,\"return_token_ids\":true}";
        HttpResponse<String> resp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
                        URI.create(endpoint.baseUrl() + "/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        int[] fromText = ints(JsonParser.parseString(resp.body()).getAsJsonObject().getAsJsonArray("choices").get(0)
                .getAsJsonObject().getAsJsonArray("prompt_token_ids"));
        int[] ids = ints(objects("probes").get(3).getAsJsonArray("ids"));
        assertThat(fromText[0]).as("BOS the server adds to a text prompt").isZero();
        assertThat(Arrays.copyOfRange(fromText, 1, fromText.length)).containsExactly(ids);
        assertThat(remoteScores(List.<int[]>of(ids)).get(0).tokens()).containsExactly(ids);
    }

    @Test
    void aPromptCanFillTheContextWindowBarOneToken() {
        int[] longest = new int[256 - 1];
        Arrays.fill(longest, 276);
        assertThat(remoteScores(List.<int[]>of(longest)).get(0).logProbs()).hasSize(254);
        int[] tooLong = new int[256];
        Arrays.fill(tooLong, 276);
        try (CompletionsClient blind = new CompletionsClient(endpoint.baseUrl(), endpoint.servedModel(),
                Optional.empty(), Duration.ofSeconds(60), 1, 2, Backoff.defaults())) { // no describe(): the server refuses
            assertThatThrownBy(() -> blind.promptLogprobs(List.<int[]>of(tooLong)))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("after 1 attempt")
                    .hasMessageContaining("HTTP 400")
                    // vLLM 0.32 caps max_tokens at max_model_len - prompt length, here 0, and refuses that
                    .hasMessageContaining("max_tokens must be at least 1, got 0");
        }
    }

    @Test
    void aServedModelScoresARowThatFillsItsContextWindowAsTheLocalCheckpointDoes() {
        ModelOptions options = ModelOptions.defaults().withDevice("cpu");
        try (CausalLm served = CausalLm.load(endpoint.toString(), options.withTokenizer(FIXTURE.resolve("tiny-llama")));
             CausalLm local = CausalLm.load(FIXTURE.resolve("tiny-llama"), options)) {
            // max_model_len 256: the scored sequence (window + 1) and the generated token must fit
            assertThat(served.contextLength()).isEqualTo(254);
            int[] text = objects("probes").stream().flatMapToInt(p -> Arrays.stream(ints(p.getAsJsonArray("ids"))))
                    .toArray();
            int[] whole = new int[served.contextLength() + 1];
            for (int i = 0; i < whole.length; i++) {
                whole[i] = text[i % text.length];
            }
            ScoreRow row = new ScoreRow(Arrays.copyOf(whole, whole.length - 1), 200,
                    Arrays.copyOfRange(whole, 201, whole.length));
            TokenScores r = served.score(List.of(row)).get(0);
            TokenScores l = local.score(List.of(row)).get(0);
            for (int t = 0; t < l.logProbs().length; t++) {
                assertThat(Math.abs(r.logProbs()[t] - l.logProbs()[t])).as("token %d", t).isLessThanOrEqualTo(PER_TOKEN);
            }
        }
    }

    @Test
    void manyRequestsInFlightGiveTheSameScoresAsOneAtATime() {
        List<int[]> prompts = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            objects("probes").forEach(p -> prompts.add(ints(p.getAsJsonArray("ids"))));
        }
        List<PromptScores> together = remoteScores(prompts);
        List<PromptScores> alone;
        try (CompletionsClient one = new CompletionsClient(endpoint.baseUrl(), endpoint.servedModel(), Optional.empty(),
                Duration.ofSeconds(60), 1, 0, Backoff.defaults())) {
            alone = one.promptLogprobs(prompts.subList(0, 5));
        }
        for (int i = 0; i < prompts.size(); i++) {
            double[] a = together.get(i).logProbs();
            double[] b = alone.get(i % 5).logProbs();
            for (int t = 0; t < a.length; t++) {
                assertThat(Math.abs(a[t] - b[t])).as("prompt %d token %d", i, t).isLessThanOrEqualTo(PER_TOKEN);
            }
        }
    }

    @Test
    void theSelfCheckAcceptsTheRealServer() {
        List<int[]> probes = objects("greedy").stream().map(g -> ints(g.getAsJsonArray("prompt"))).toList();
        ServerSelfCheck.Report r = ServerSelfCheck.run(client, probes, ServerSelfCheck.DEFAULT_STEPS,
                ServerSelfCheck.FLOAT32_TOLERANCE, Optional.of(tokenizer::decode));
        assertThat(r.comparedTokens()).isEqualTo(probes.size() * ServerSelfCheck.DEFAULT_STEPS);
        assertThat(r.maxDifference()).isLessThanOrEqualTo(PER_TOKEN);
        assertThat(r.systemFingerprint()).hasValueSatisfying(f -> assertThat(f).startsWith("vllm-"));
        System.out.println("self-check of " + endpoint + ": " + r);
        // What connecting costs a served model: the model list, then the self-check with the default probes
        // (two requests per probe: a greedy completion of DEFAULT_STEPS tokens, then the echo of it).
        long t0 = System.nanoTime();
        try (CausalLm served = CausalLm.load(endpoint.toString(), ModelOptions.defaults()
                .withTokenizer(FIXTURE.resolve("tiny-llama")))) {
            System.out.printf("connecting to %s with the default self-check (%d probes, %d requests): %d ms%n",
                    endpoint, ServerSelfCheck.PROBE_TEXTS.size(), 1 + 2 * ServerSelfCheck.PROBE_TEXTS.size(),
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(served.isServed()).isTrue();
        }
    }

    @Test
    void theSelfCheckRefusesEveryWrongServer() {
        String[] wrong = required("retention.serving.wrong").split(",");
        List<int[]> probes = objects("greedy").stream().map(g -> ints(g.getAsJsonArray("prompt"))).toList();
        for (String spec : wrong) {
            ServingEndpoint e = ServingEndpoint.parse(spec.trim());
            try (CompletionsClient c = new CompletionsClient(e.baseUrl(), e.servedModel(), Optional.empty(),
                    Duration.ofSeconds(60), 4, 1, Backoff.defaults())) {
                c.describe();
                assertThatThrownBy(() -> ServerSelfCheck.run(c, probes, ServerSelfCheck.DEFAULT_STEPS,
                        ServerSelfCheck.FLOAT32_TOLERANCE, Optional.of(tokenizer::decode)))
                        .as("self-check of %s", e)
                        .isInstanceOf(ServingEngineException.class)
                        .hasMessageContaining("serving engine " + e + " is refused")
                        .satisfies(t -> System.out.println("refused as expected: " + t.getMessage()));
            }
        }
    }

    @Test
    void aSuiteScoredOnTheEngineGivesTheSameItemsAndVerdictsAsTheSameCheckpointScoredLocally() {
        // one window for all three (the family's is 128 tokens): verdicts compare only scorecards scored alike
        ModelOptions options = ModelOptions.defaults().withDevice("cpu").withContextLength(128);
        Suite suite = Suite.load(Fixtures.generalSuite());
        EvalConfig quiet = EvalConfig.defaults().withProgress(ProgressListener.none(), Duration.ofHours(1));
        Scorecard r;
        Scorecard l;
        Scorecard other; // a model of the forgetting family, trained on the suite: the other side of the verdicts
        try (CausalLm remote = CausalLm.load(endpoint.toString(), options.withTokenizer(FIXTURE.resolve("tiny-llama")));
             CausalLm local = CausalLm.load(FIXTURE.resolve("tiny-llama"), options);
             CausalLm base = CausalLm.load(Fixtures.model("base"), options)) {
            assertThat(remote.isServed()).isTrue();
            r = Evaluator.of(remote, quiet).score(suite);
            l = Evaluator.of(local, quiet).score(suite);
            other = Evaluator.of(base, quiet).score(suite);
        }
        assertThat(r.items()).hasSameSizeAs(l.items()).hasSize(suite.items().size());
        int passed = 0;
        for (ItemResult item : l.items()) {
            ItemResult remote = r.item(item.id()).orElseThrow();
            assertThat(remote.passed()).as(item.id()).isEqualTo(item.passed());
            assertThat(remote.output()).as("output of %s", item.id()).isEqualTo(item.output());
            assertThat(remote.truncatedTokens()).as(item.id()).isEqualTo(item.truncatedTokens());
            assertThat(remote.tokens()).as(item.id()).isEqualTo(item.tokens());
            if (!Double.isNaN(item.logLikelihood())) {
                assertThat(remote.logLikelihood()).as(item.id())
                        .isCloseTo(item.logLikelihood(), within(PER_TOKEN * Math.max(1, item.tokens())));
            }
            passed += item.passed() ? 1 : 0;
        }
        // Verdicts both ways against the family's base: the served checkpoint as the tuned model (it falls far
        // below a model trained on the suite, so categories fail) and as the baseline (so they pass).
        List<CategoryVerdict> asTunedRemote = verdicts(() -> assertThatModel(r).retains(ScoredModel.recorded(other))
                .on(suite).onEveryCategory().within(0.05));
        List<CategoryVerdict> asTunedLocal = verdicts(() -> assertThatModel(l).retains(ScoredModel.recorded(other))
                .on(suite).onEveryCategory().within(0.05));
        List<CategoryVerdict> asBaselineRemote = verdicts(() -> assertThatModel(other).retains(ScoredModel.recorded(r))
                .on(suite).onEveryCategory().within(0.05));
        List<CategoryVerdict> asBaselineLocal = verdicts(() -> assertThatModel(other).retains(ScoredModel.recorded(l))
                .on(suite).onEveryCategory().within(0.05));
        assertThat(withoutNames(asTunedRemote)).isEqualTo(withoutNames(asTunedLocal));
        assertThat(withoutNames(asBaselineRemote)).isEqualTo(withoutNames(asBaselineLocal));
        assertThat(asTunedRemote).as("the served checkpoint is not the trained base: some category fails")
                .anyMatch(v -> !v.passed());
        assertThat(asBaselineRemote).allMatch(CategoryVerdict::passed);
        asTunedRemote.forEach(v -> System.out.println("served as tuned: " + v.summaryLine()));
        System.out.printf("suite on the engine and locally: %d items, %d passed, identical outputs and verdicts%n",
                l.items().size(), passed);
    }

    /** The verdict rows one assertion publishes, whether it passes or fails. */
    private static List<CategoryVerdict> verdicts(Runnable assertion) {
        List<CategoryVerdict> rows = new ArrayList<>();
        RetentionEvents.Registration listening = RetentionEvents.register((kind, v) -> rows.addAll(v));
        try {
            assertion.run();
        } catch (AssertionError expectedForFailingVerdicts) {
            // the rows were published before the assertion failed
        } finally {
            listening.close();
        }
        assertThat(rows).isNotEmpty();
        return rows;
    }

    /** The rows with the served and the local model's names made equal. */
    private static List<CategoryVerdict> withoutNames(List<CategoryVerdict> rows) {
        return rows.stream().map(v -> new CategoryVerdict(v.tuned().equals("base") ? "base" : "model",
                v.baseline().equals("base") ? "base" : "model", v.suite(), v.category(), v.n(), v.baselineAccuracy(),
                v.tunedAccuracy(), v.regressions(), v.improvements(), v.ci(), v.pValue(), v.pValueName(), v.threshold(),
                v.tolerance(), v.rule(), v.passed(), v.newlyFailing(), v.truncated())).toList();
    }
}
