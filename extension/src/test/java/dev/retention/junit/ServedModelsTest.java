package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.fixtures.internal.FakeCompletionsServer;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.Event;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models on a serving engine through the extension: {@code retention.tuned=http://host:port/v1#name}
 * (or the annotation) with {@code retention.tuned.tokenizer}, against a fake OpenAI-compatible server
 * that serves a fixture checkpoint's own scores (computed by Retention's native scoring of it). The
 * verdicts must be those of the same checkpoint loaded locally, and the API key must reach the server
 * and nothing else: not the output, not the reports, not the scorecard cache, not a failure message.
 * (Against a real vLLM: ServingEngineIntegrationTest in the assertions module.)
 */
class ServedModelsTest {

    /** Set for the test JVM by this module's pom.xml (Surefire environmentVariables). */
    static final String KEY_VARIABLE = "RETENTION_TEST_SERVING_API_KEY";

    /** A checkpoint that retains some categories and forgets others (src-test-fixtures/README.md). */
    static final String TUNED = "full-ft-step-24";

    private static CausalLm checkpoint;
    private static FakeCompletionsServer server;

    @TempDir
    Path work;

    @BeforeAll
    static void serveTheCheckpoint() throws IOException {
        checkpoint = CausalLm.load(Fixtures.model(TUNED), ModelOptions.defaults().withDevice("cpu"));
        server = new FakeCompletionsServer(scoresOf(checkpoint));
        server.serve(TUNED);
        // vLLM's max_model_len holds the scored sequence and the one token every request generates: two more
        // than the checkpoint's 128-token window, so both sides truncate alike
        server.maxModelLen(checkpoint.contextLength() + 2);
    }

    @AfterAll
    static void stopServing() {
        if (server != null) {
            server.close();
        }
        if (checkpoint != null) {
            checkpoint.close();
        }
    }

    /** The fake engine's model: what Retention's native scoring of {@code lm} gives, two forward passes a request. */
    static FakeCompletionsServer.Model scoresOf(CausalLm lm) {
        return new FakeCompletionsServer.Model() {
            @Override
            public FakeCompletionsServer.Scores score(int[] tokens) {
                int n = tokens.length;
                int[] next = Arrays.copyOf(Arrays.copyOfRange(tokens, 1, n), n); // the last target is only a placeholder
                TokenScores s = lm.score(List.of(new ScoreRow(tokens, 0, next))).get(0);
                TokenScores top = lm.score(List.of(new ScoreRow(tokens, 0, s.argmax()))).get(0);
                return new FakeCompletionsServer.Scores(Arrays.copyOf(s.logProbs(), n - 1), s.argmax(), top.logProbs());
            }

            @Override
            public String decode(int[] ids) {
                return lm.tokenizer().decode(ids);
            }

            @Override
            public Set<Integer> eos() {
                return lm.specialTokens().eos();
            }
        };
    }

    private Map<String, String> config(String name) {
        Map<String, String> c = TestRuns.fixtureConfig(work.resolve(name));
        c.put("retention.tuned", Fixtures.model(TUNED).toString());
        return c;
    }

    private Map<String, String> served(String name) {
        Map<String, String> c = config(name);
        c.put("retention.tuned", server.base() + "#" + TUNED);
        c.put("retention.tuned.tokenizer", Fixtures.model(TUNED).toString());
        c.put("retention.serving.concurrency", "4");
        return c;
    }

    private static Map<String, String> outcomes(TestRuns.Run run) {
        return run.results().testEvents().finished().stream().collect(Collectors.toMap(
                e -> e.getTestDescriptor().getDisplayName(),
                e -> e.getRequiredPayload(TestExecutionResult.class).getStatus().toString()));
    }

    private static Throwable failure(Event e) {
        return e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    private static String apiKey() {
        String key = System.getenv(KEY_VARIABLE);
        assertThat(key).as("environment variable %s, set by extension/pom.xml for Surefire; run this test "
                + "through Maven or set it", KEY_VARIABLE).isNotBlank();
        return key;
    }

    /** Every file under {@code dir}, as text. */
    private static String everythingUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return "";
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> {
                try {
                    return p + "\n" + Files.readString(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
    }

    @Test
    void aServedTunedModelGetsTheVerdictsOfTheSameCheckpointLoadedLocally() throws IOException {
        TestRuns.Run local = TestRuns.run(config("local"), TestRuns.RetainsEveryCategory.class);
        int before = server.requests().size();
        TestRuns.Run remote = TestRuns.run(served("served"), TestRuns.RetainsEveryCategory.class);

        assertThat(outcomes(remote)).isEqualTo(outcomes(local)).hasSize(5)
                .as("the checkpoint retains some categories and forgets others").containsValue("SUCCESSFUL")
                .containsValue("FAILED");
        assertThat(remote.lines("retention: " + TUNED + " vs base")).hasSize(5)
                .isEqualTo(local.lines("retention: " + TUNED + " vs base"));
        assertThat(remote.lines("retention: connecting to " + TUNED + " at " + server.base() + "#" + TUNED))
                .hasSize(1);
        assertThat(remote.lines("retention: loading ")).as("only the baseline is loaded locally").hasSize(1);
        assertThat(server.requests().size() - before).as("the suite was scored on the engine")
                .isGreaterThan(Suite.load(Fixtures.generalSuite()).items().size());
        String report = Files.readString(work.resolve("served/report/report.json"));
        assertThat(report).contains(server.base() + "#" + TUNED).contains("serving engines");
    }

    @Test
    void theApiKeyReachesTheServerAndNothingElse() throws IOException {
        String key = apiKey();
        server.requireApiKey(key);
        try {
            Map<String, String> cfg = served("keyed");
            cfg.put("retention.serving.apiKeyEnv", KEY_VARIABLE);
            cfg.put("retention.suite", smallSuite().toString());
            int before = server.requests().size();
            TestRuns.Run run = TestRuns.run(cfg, TestRuns.RetainsEveryCategory.class);
            run.results().testEvents().assertStatistics(s -> s.started(1).finished(1).aborted(0));
            List<FakeCompletionsServer.Request> sent = server.requests().subList(before, server.requests().size());
            assertThat(sent).isNotEmpty().allSatisfy(r -> assertThat(r.header("Authorization"))
                    .isEqualTo("Bearer " + key));
            assertThat(run.stdout()).doesNotContain(key).contains("API key from $" + KEY_VARIABLE);
            assertThat(everythingUnder(work.resolve("keyed/report"))).doesNotContain(key)
                    .contains("API key from $" + KEY_VARIABLE);
            assertThat(everythingUnder(work.resolve("keyed/cache"))).isNotEmpty().doesNotContain(key);

            // A server whose error pages quote the request's credentials: the failure still keeps the key out.
            server.respond((r, n) -> r.path().endsWith("/completions") ? FakeCompletionsServer.Reply.status(500,
                    "{\"error\":\"upstream refused Authorization: " + r.header("Authorization") + "\"}") : null);
            cfg.put("retention.cache.dir", work.resolve("keyed/cache-2").toString());
            cfg.put("retention.serving.maxRetries", "0");
            TestRuns.Run failing = TestRuns.run(cfg, TestRuns.RetainsEveryCategory.class);
            List<Event> failed = failing.results().testEvents().failed().list();
            assertThat(failed).isNotEmpty().allSatisfy(e -> {
                assertThat(failure(e)).hasStackTraceContaining(server.base().toString())
                        .hasStackTraceContaining("HTTP 500")
                        .as("the server's answer is quoted, with the key masked")
                        .hasStackTraceContaining("upstream refused Authorization: Bearer ***");
                assertThat(stackTrace(failure(e))).doesNotContain(key);
            });
            assertThat(failing.stdout()).doesNotContain(key);
            assertThat(everythingUnder(work.resolve("keyed/cache-2"))).doesNotContain(key);
        } finally {
            server.respond((r, n) -> null);
            server.requireApiKey(null);
        }
    }

    /** The first generate, choice and loglikelihood items of the general suite (all geography). */
    private Path smallSuite() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.generalSuite());
        List<String> picked = Stream.of("\"kind\": \"generate\"", "\"kind\": \"choice\"", "\"kind\": \"loglikelihood\"")
                .map(kind -> lines.stream().filter(l -> l.contains(kind)).findFirst().orElseThrow()).toList();
        Path suite = work.resolve("small.jsonl");
        Files.write(suite, picked);
        return suite;
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    @Test
    void aServedModelWithoutItsTokenizerKeyIsRefusedNamingTheKey() {
        Map<String, String> cfg = served("no-tokenizer");
        cfg.remove("retention.tuned.tokenizer");
        TestRuns.Run run = TestRuns.run(cfg, TestRuns.RetainsEveryCategory.class);
        Throwable t = failure(run.results().containerEvents().failed().list().get(0));
        assertThat(t).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("retention.tuned is the served model " + server.base() + "#" + TUNED
                + ": set retention.tuned.tokenizer to the local directory holding its tokenizer.json");
    }

    @Test
    void theAnnotationCanNameAServedModel() {
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.remove("retention.tuned");
        cfg.put("retention.tuned.tokenizer", Fixtures.model(TUNED).toString());
        cfg.put("retention.serving.maxRetries", "0");
        cfg.put("retention.serving.timeout", "5");
        TestRuns.Run run = TestRuns.run(cfg, TunedOnAnEngine.class);
        Throwable t = failure(run.results().containerEvents().failed().list().get(0));
        // nothing listens on port 9 of the loopback: the annotation's URL was taken for a served model
        assertThat(t).hasMessageContaining("http://127.0.0.1:9/v1");
    }

    @Test
    void servingKeysMapToTheServingOptions() {
        Map<String, String> keys = Map.of("retention.serving.apiKeyEnv", "VLLM_API_KEY",
                "retention.serving.timeout", "42", "retention.serving.concurrency", "3",
                "retention.serving.maxRetries", "0", "retention.serving.revision", "2026-11-27",
                "retention.serving.selfCheckTolerance", "0.25");
        ModelOptions.Serving s = RetentionConfig.read(k -> Optional.ofNullable(keys.get(k))).modelOptions().serving();
        assertThat(s).isEqualTo(new ModelOptions.Serving(Optional.of("VLLM_API_KEY"), Duration.ofSeconds(42), 3, 0,
                Optional.of("2026-11-27"), 0.25));
        assertThat(RetentionConfig.read(k -> Optional.empty()).modelOptions().serving())
                .isEqualTo(ModelOptions.Serving.defaults());
    }

    @Test
    void invalidServingKeysAreNamedAndAKeyPastedForItsVariableIsNotEchoed() {
        Function<Map<String, String>, Throwable> read = keys -> {
            try {
                RetentionConfig.read(k -> Optional.ofNullable(keys.get(k)));
                return null;
            } catch (ExtensionConfigurationException e) {
                return e;
            }
        };
        assertThat(read.apply(Map.of("retention.serving.timeout", "0"))).hasMessage("configuration parameter "
                + "retention.serving.timeout = '0' is invalid; expected a positive whole number of seconds per request, "
                + "e.g. 300");
        assertThat(read.apply(Map.of("retention.serving.maxRetries", "-1"))).hasMessage("configuration parameter "
                + "retention.serving.maxRetries = '-1' is invalid; expected 0 or a positive integer");
        assertThat(read.apply(Map.of("retention.serving.selfCheckTolerance", "0"))).hasMessageStartingWith(
                "configuration parameter retention.serving.selfCheckTolerance = '0' is invalid; expected a positive");
        assertThat(read.apply(Map.of("retention.serving.concurrency", "many"))).hasMessageContaining(
                "retention.serving.concurrency = 'many' is invalid");
        String pasted = "sk-live-0123456789abcdef";
        assertThat(read.apply(Map.of("retention.serving.apiKeyEnv", pasted)))
                .hasMessageContaining("retention.serving.apiKeyEnv is not the name of an environment variable")
                .hasMessageNotContaining(pasted);
    }

    @Test
    void aTokenizerKeyForALocalModelIsAnError() {
        Map<String, String> cfg = config("local-with-tokenizer");
        cfg.put("retention.tuned.tokenizer", Fixtures.model(TUNED).toString());
        TestRuns.Run run = TestRuns.run(cfg, TestRuns.RetainsEveryCategory.class);
        assertThat(failure(run.results().containerEvents().failed().list().get(0)))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("configuration parameter retention.tuned.tokenizer is set, but retention.tuned "
                        + "is the model directory");
    }

    @RetentionTest(tuned = "http://127.0.0.1:9/v1#" + TUNED)
    static class TunedOnAnEngine {
        @Test
        void isServed(@Tuned ScoredModel tuned) {
            assertThat(tuned.name()).isEqualTo(TUNED);
        }
    }
}
