package dev.retention.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java scoring reproduces the independent PyTorch reference recorded by the fixture generator
 * for every fixture model and every item: token ids, log-likelihoods within 1e-4, greedy flags,
 * greedy generations, item outcomes, per-category accuracy, and the rolling log-likelihood of the
 * general text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceParityTest {

    private static final double TOLERANCE = 1e-4;
    private final Map<String, Suite> suites = new LinkedHashMap<>();

    @BeforeAll
    void loadSuites() {
        suites.put("general", Suite.load(Fixtures.generalSuite()));
        suites.put("domain", Suite.load(Fixtures.domainSuite()));
    }

    static List<String> models() {
        return Fixtures.modelNames();
    }

    private record Ref(JsonObject line, SuiteItem item) {
    }

    private List<Ref> references(String model) throws IOException {
        List<Ref> refs = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.reference(model))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("suite").isJsonNull()) {
                continue;
            }
            Suite s = suites.get(o.get("suite").getAsString());
            refs.add(new Ref(o, s.item(o.get("id").getAsString()).orElseThrow()));
        }
        assertThat(refs).hasSize(suites.values().stream().mapToInt(Suite::size).sum());
        return refs;
    }

    private static String promptOf(SuiteItem item) {
        if (item instanceof SuiteItem.Generate g) {
            return g.prompt();
        }
        if (item instanceof SuiteItem.Choice c) {
            return c.context();
        }
        return ((SuiteItem.Loglikelihood) item).context();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void loglikelihoodsTokensAndGreedyFlagsMatchPyTorch(String model) throws IOException {
        List<Ref> refs = references(model);
        try (CausalLm lm = CausalLm.load(Fixtures.model(model), ModelOptions.defaults().withDevice("cpu"))) {
            Evaluator ev = Evaluator.of(lm, EvalConfig.defaults().withBatchSize(16));
            List<LoglikelihoodRequest> requests = new ArrayList<>();
            List<JsonObject> expected = new ArrayList<>();
            for (Ref r : refs) {
                for (JsonElement e : r.line().getAsJsonArray("requests")) {
                    JsonObject q = e.getAsJsonObject();
                    requests.add(new LoglikelihoodRequest(promptOf(r.item()), q.get("continuation").getAsString()));
                    expected.add(q);
                }
            }
            List<Loglikelihood> got = ev.loglikelihood(requests);
            double worst = 0;
            for (int i = 0; i < got.size(); i++) {
                JsonObject q = expected.get(i);
                LoglikelihoodRequest req = requests.get(i);
                PairEncoding.Pair pair = PairEncoding.encode(lm.tokenizer(), ev::prefixToken, req.context(),
                        req.continuation());
                String what = model + " request " + i + " " + req;
                assertThat(pair.whole()).as(what + " tokens").containsExactly(ints(q.getAsJsonArray("tokens")));
                assertThat(pair.continuation()).as(what).hasSize(q.get("continuationTokens").getAsInt());
                assertThat(got.get(i).logLikelihood()).as(what).isCloseTo(q.get("ll").getAsDouble(), within(TOLERANCE));
                assertThat(got.get(i).greedy()).as(what + " greedy").isEqualTo(q.get("greedy").getAsBoolean());
                worst = Math.max(worst, Math.abs(got.get(i).logLikelihood() - q.get("ll").getAsDouble()));
            }
            System.out.printf("parity %-16s %d loglikelihood requests, max |Java - PyTorch| = %.2e%n", model,
                    got.size(), worst);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void greedyGenerationsMatchPyTorch(String model) throws IOException {
        List<Ref> refs = references(model);
        try (CausalLm lm = CausalLm.load(Fixtures.model(model), ModelOptions.defaults().withDevice("cpu"))) {
            Evaluator ev = Evaluator.of(lm, EvalConfig.defaults().withBatchSize(32));
            List<GenerationRequest> requests = new ArrayList<>();
            for (Ref r : refs) {
                int max = r.item() instanceof SuiteItem.Generate g ? g.maxTokens() : SuiteItem.DEFAULT_MAX_TOKENS;
                List<String> stop = r.item() instanceof SuiteItem.Generate g ? g.stop() : SuiteItem.DEFAULT_STOP;
                requests.add(new GenerationRequest(promptOf(r.item()), max, stop));
            }
            List<Generation> got = ev.generate(requests);
            for (int i = 0; i < refs.size(); i++) {
                JsonObject line = refs.get(i).line();
                String what = model + " " + line.get("id").getAsString();
                assertThat(got.get(i).text()).as(what).isEqualTo(line.get("generation").getAsString());
                assertThat(got.get(i).tokens()).as(what).containsExactly(ints(line.getAsJsonArray("generationTokens")));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void outcomesAndCategoryAccuraciesMatchPythonAccuracy(String model) throws IOException {
        List<Ref> refs = references(model);
        JsonObject pythonAccuracy = JsonParser.parseString(
                Files.readString(Fixtures.model(model).resolve("model-info.json"))).getAsJsonObject()
                .getAsJsonObject("pythonAccuracy");
        try (CausalLm lm = CausalLm.load(Fixtures.model(model), ModelOptions.defaults().withDevice("cpu"))) {
            Evaluator ev = Evaluator.of(lm, EvalConfig.defaults().withBatchSize(32));
            for (Map.Entry<String, Suite> s : suites.entrySet()) {
                Scorecard card = ev.score(s.getValue());
                for (Ref r : refs) {
                    if (r.line().get("suite").getAsString().equals(s.getKey())) {
                        String id = r.line().get("id").getAsString();
                        assertThat(card.item(id).orElseThrow().passed()).as(model + " " + id)
                                .isEqualTo(r.line().get("passed").getAsBoolean());
                    }
                }
                JsonObject expected = pythonAccuracy.getAsJsonObject(s.getKey());
                assertThat(card.categories().keySet()).containsExactlyElementsOf(expected.keySet());
                card.categories().forEach((cat, score) -> assertThat(score.accuracy()).as(model + " " + cat)
                        .isCloseTo(expected.get(cat).getAsDouble(), within(1e-6)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void rollingLoglikelihoodOfTheGeneralTextMatchesPyTorch(String model) throws IOException {
        JsonObject ref = null;
        for (String line : Files.readAllLines(Fixtures.reference(model))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("kind").getAsString().equals("rolling")) {
                ref = o;
            }
        }
        assertThat(ref).isNotNull();
        String text = Files.readString(Fixtures.generalText());
        try (CausalLm lm = CausalLm.load(Fixtures.model(model), ModelOptions.defaults().withDevice("cpu"))) {
            assertThat(lm.tokenizer().encode(text)).containsExactly(ints(ref.getAsJsonArray("tokenIds")));
            RollingLoglikelihood r = Evaluator.of(lm).rollingLoglikelihood(text);
            assertThat(r.tokens()).isEqualTo(ref.get("tokenCount").getAsInt());
            assertThat(r.windows()).isEqualTo(ref.get("windows").getAsInt());
            assertThat(r.logLikelihood()).isCloseTo(ref.get("ll").getAsDouble(), within(TOLERANCE));
        }
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
