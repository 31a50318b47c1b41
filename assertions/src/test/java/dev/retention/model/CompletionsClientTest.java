package dev.retention.model;

import com.google.gson.JsonParser;
import dev.retention.fixtures.internal.FakeCompletionsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import dev.retention.model.internal.TokenScores;

import static dev.retention.fixtures.internal.FakeCompletionsServer.Reply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CompletionsClientTest {

    private static final String SECRET = "sk-retention-test-4f9c2a7e1b";
    /** Short waits so retry tests run in milliseconds; no jitter, so delays are exact. */
    private static final Backoff FAST = new Backoff(Duration.ofMillis(10), 2.0, Duration.ofMillis(40), 0.0);

    private FakeCompletionsServer server;

    @BeforeEach
    void start() throws IOException {
        server = new FakeCompletionsServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CompletionsClient client(int concurrency, int retries) {
        return new CompletionsClient(server.base(), FakeCompletionsServer.MODEL, Optional.empty(),
                Duration.ofSeconds(5), concurrency, retries, FAST);
    }

    private static List<int[]> prompts(int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new int[] {276, 314, 299 + i, 423, 502, 416, 267, 11, 12, 13});
        }
        return out;
    }

    @Test
    void promptLogprobRequestIsLmEvalStyleWithTokenIdsAndNoSpecialTokens() {
        try (CompletionsClient c = client(1, 0)) {
            c.promptLogprobs(List.of(new int[] {5, 17, 300}));
        }
        assertThat(server.requests()).hasSize(1);
        FakeCompletionsServer.Request r = server.requests().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/completions");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.json()).isEqualTo(JsonParser.parseString("""
                {"model": "fake-model", "prompt": [5, 17, 300], "echo": true, "logprobs": 1, "max_tokens": 1,
                 "temperature": 0, "return_tokens_as_token_ids": true, "add_special_tokens": false}""")
                .getAsJsonObject());
    }

    @Test
    void greedyRequestIsTemperatureZeroWithNeutralPenaltiesAndStopStrings() {
        try (CompletionsClient c = client(1, 0)) {
            c.greedy(List.of(new int[] {5, 17}), 7, List.of("\n", "Q:"));
            c.greedy(List.of(new int[] {5}), 3, List.of());
        }
        assertThat(server.requests().get(0).json()).isEqualTo(JsonParser.parseString("""
                {"model": "fake-model", "prompt": [5, 17], "max_tokens": 7, "temperature": 0,
                 "repetition_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0, "logprobs": 1,
                 "stop": ["\\n", "Q:"], "return_tokens_as_token_ids": true, "return_token_ids": true,
                 "add_special_tokens": false}""").getAsJsonObject());
        assertThat(server.requests().get(1).json().has("stop")).as("no stop list when there are no stop strings")
                .isFalse();
    }

    @Test
    void promptScoresHoldEveryTokenAfterTheFirstWithTheTop1IdOfEachPosition() {
        int[] p = {276, 314, 299, 423};
        PromptScores s;
        try (CompletionsClient c = client(1, 0)) {
            s = c.promptLogprobs(List.<int[]>of(p)).get(0);
        }
        assertThat(s.tokens()).containsExactly(p);
        for (int i = 1; i < p.length; i++) {
            List<Integer> prefix = IntStream.of(p).limit(i).boxed().toList();
            assertThat(s.logProbs()[i - 1]).isEqualTo(FakeCompletionsServer.logProb(prefix, p[i]));
            assertThat(s.top1()[i - 1]).isEqualTo(FakeCompletionsServer.next(prefix));
            assertThat(s.top1LogProbs()[i - 1]).isEqualTo(FakeCompletionsServer.logProb(prefix,
                    FakeCompletionsServer.next(prefix)));
        }
        TokenScores cont = s.continuation(2);
        assertThat(cont.targets()).containsExactly(299, 423);
        assertThat(cont.logProbs()).containsExactly(s.logProbs()[1], s.logProbs()[2]);
    }

    @Test
    void greedyCompletionHoldsIdsTextFinishReasonAndLogprobs() {
        Completion g;
        try (CompletionsClient c = client(1, 0)) {
            g = c.greedy(List.of(new int[] {5, 17}), 3, List.of()).get(0);
        }
        List<Integer> seq = new ArrayList<>(List.of(5, 17));
        for (int k = 0; k < 3; k++) {
            int t = FakeCompletionsServer.next(seq);
            assertThat(g.tokens()[k]).isEqualTo(t);
            assertThat(g.logProbs()[k]).isEqualTo(FakeCompletionsServer.logProb(seq, t));
            seq.add(t);
        }
        assertThat(g.text()).isEqualTo(FakeCompletionsServer.decode(g.tokens()));
        assertThat(g.finishReason()).isEqualTo(Completion.FinishReason.LENGTH);
    }

    @Test
    void resultsComeBackInRequestOrderWhateverOrderTheyFinishIn() {
        server.respond((r, n) -> null);
        server.handlingTime(20);
        List<int[]> ps = prompts(9);
        List<PromptScores> out;
        try (CompletionsClient c = client(4, 0)) {
            out = c.promptLogprobs(ps);
        }
        for (int i = 0; i < ps.size(); i++) {
            assertThat(out.get(i).tokens()).containsExactly(ps.get(i));
        }
    }

    @Test
    void progressIsReportedOncePerRequestDone() {
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        try (CompletionsClient c = client(3, 0)) {
            c.promptLogprobs(prompts(7), done::incrementAndGet);
            assertThat(done).hasValue(7);
            c.greedy(prompts(2), 2, List.of(), done::incrementAndGet);
        }
        assertThat(done).hasValue(9);
    }

    @Test
    void retriesOn429And503ThenSucceeds() {
        server.respond((r, n) -> n == 0 ? Reply.status(429, "{\"error\":\"slow down\"}")
                : n == 1 ? Reply.status(503, "{\"error\":\"loading\"}") : null);
        PromptScores s;
        try (CompletionsClient c = client(1, 3)) {
            s = c.promptLogprobs(List.of(new int[] {5, 17, 300})).get(0);
        }
        assertThat(server.requests()).hasSize(3);
        assertThat(s.logProbs()).hasSize(2);
    }

    @Test
    void retryAfterIsHonouredOverAShorterBackoff() {
        server.respond((r, n) -> n == 0 ? Reply.status(429, "{}").withHeader("Retry-After", "1") : null);
        try (CompletionsClient c = client(1, 2)) {
            c.promptLogprobs(List.of(new int[] {5, 17}));
        }
        List<FakeCompletionsServer.Request> rs = server.requests();
        assertThat(rs).hasSize(2);
        long waitedMillis = (rs.get(1).nanos() - rs.get(0).nanos()) / 1_000_000;
        assertThat(waitedMillis).as("the backoff alone would wait 10 ms").isGreaterThanOrEqualTo(1000);
    }

    @Test
    void retryAfterAsAnHttpDateIsRead() {
        java.net.http.HttpResponse<String> resp = new FakeResponse(Map.of("Retry-After",
                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30))));
        assertThat(CompletionsClient.retryAfter(resp)).hasValueSatisfying(d ->
                assertThat(d.toSeconds()).isBetween(28L, 30L));
        assertThat(CompletionsClient.retryAfter(new FakeResponse(Map.of("Retry-After", "7"))))
                .contains(Duration.ofSeconds(7));
        assertThat(CompletionsClient.retryAfter(new FakeResponse(Map.of()))).isEmpty();
    }

    @Test
    void givesUpAfterTheLastRetryNamingEndpointRequestStatusAndBody() {
        server.respond((r, n) -> r.path().endsWith("/completions")
                && r.json().getAsJsonArray("prompt").get(2).getAsInt() == 300
                ? Reply.status(503, "{\"error\":\"engine overloaded, queue full\"}") : null);
        try (CompletionsClient c = client(1, 2)) {
            assertThatThrownBy(() -> c.promptLogprobs(prompts(3)))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("POST " + server.base() + "/completions")
                    .hasMessageContaining("request 1 of 3 (prompt of 10 tokens [276, 314, 300, 423, 502, 416, 267, 11, ...])")
                    .hasMessageContaining("model fake-model")
                    .hasMessageContaining("after 3 attempts")
                    .hasMessageContaining("HTTP 503")
                    .hasMessageContaining("engine overloaded, queue full");
        }
        long attemptsOnTheFailingPrompt = server.requests().stream()
                .filter(r -> r.json().getAsJsonArray("prompt").get(2).getAsInt() == 300).count();
        assertThat(attemptsOnTheFailingPrompt).isEqualTo(3);
        assertThat(server.requests()).as("nothing after the failed request is sent").hasSize(4);
    }

    @Test
    void clientErrorsAreNotRetried() {
        server.respond((r, n) -> Reply.status(400, "{\"error\":{\"message\":\"Token id 700 is out of vocabulary\"}}"));
        try (CompletionsClient c = client(1, 5)) {
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[] {5, 700})))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("after 1 attempt;")
                    .hasMessageContaining("HTTP 400")
                    .hasMessageContaining("Token id 700 is out of vocabulary");
        }
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aRefusedConnectionIsRetriedThenReported() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + port + "/v1");
        long start = System.nanoTime();
        try (CompletionsClient c = new CompletionsClient(dead, "m", Optional.empty(), Duration.ofSeconds(2), 1, 2,
                FAST)) {
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[] {5, 6})))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("POST " + dead + "/completions")
                    .hasMessageContaining("after 3 attempts")
                    .hasMessageContaining("cannot connect")
                    .hasMessageContaining("127.0.0.1:" + port);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).as("two backoffs of 10 and 20 ms").isGreaterThanOrEqualTo(30);
    }

    @Test
    void aTimedOutRequestIsRetried() {
        server.respond((r, n) -> n == 0 ? Reply.status(200, "{}").delayed(1500) : null);
        PromptScores s;
        try (CompletionsClient c = new CompletionsClient(server.base(), FakeCompletionsServer.MODEL, Optional.empty(),
                Duration.ofMillis(300), 1, 1, FAST)) {
            s = c.promptLogprobs(List.of(new int[] {5, 17})).get(0);
        }
        assertThat(s.logProbs()).hasSize(1);
        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void aTimeoutOnTheLastAttemptIsReportedAsSuch() {
        server.respond((r, n) -> Reply.status(200, "{}").delayed(1500));
        try (CompletionsClient c = new CompletionsClient(server.base(), FakeCompletionsServer.MODEL, Optional.empty(),
                Duration.ofMillis(200), 1, 0, FAST)) {
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[] {5, 17})))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("no response within the timeout of PT0.2S");
        }
    }

    @Test
    void noMoreThanTheConfiguredNumberOfRequestsAreInFlight() {
        server.handlingTime(150);
        try (CompletionsClient c = client(3, 0)) {
            c.promptLogprobs(prompts(12));
        }
        assertThat(server.requests()).hasSize(12);
        assertThat(server.maxInFlight()).as("in flight at once, with 12 requests of 150 ms and 3 permits").isEqualTo(3);
    }

    @Test
    void aRetryKeepsItsPermitSoRetriesDoNotExceedTheBound() {
        server.handlingTime(60);
        server.respond((r, n) -> n % 3 == 0 ? Reply.status(503, "{}") : null);
        try (CompletionsClient c = client(2, 4)) {
            c.promptLogprobs(prompts(10));
        }
        assertThat(server.maxInFlight()).isEqualTo(2);
    }

    @Test
    void describeReportsTheServedModelItsContextWindowAndMetadata() {
        ServedModel m;
        try (CompletionsClient c = client(1, 0)) {
            m = c.describe();
        }
        assertThat(m.id()).isEqualTo(FakeCompletionsServer.MODEL);
        assertThat(m.maxModelLen()).hasValue(2048);
        assertThat(m.metadata()).containsEntry("root", "/models/fake-model").containsEntry("owned_by", "vllm")
                .containsEntry("parent", "null").doesNotContainKey("created");
        assertThat(m.servedIds()).containsExactly(FakeCompletionsServer.MODEL);
    }

    @Test
    void aPromptThatLeavesNoRoomInTheServersContextWindowIsRefusedBeforeSending() {
        try (CompletionsClient c = client(1, 0)) {
            c.describe(); // max_model_len 2048
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[2048])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("prompt 0 has 2048 tokens")
                    .hasMessageContaining("at most 2047");
            assertThat(c.promptLogprobs(List.of(new int[2047])).get(0).logProbs()).hasSize(2046);
        }
    }

    @Test
    void aServerThatDoesNotServeTheDeclaredModelIsRefusedNamingWhatItServes() {
        server.serve("llama-3-8b", "llama-3-8b-lora");
        try (CompletionsClient c = client(1, 0)) {
            assertThatThrownBy(c::describe)
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("does not serve a model named 'fake-model'")
                    .hasMessageContaining("[llama-3-8b, llama-3-8b-lora]");
        }
    }

    @Test
    void aServerThatAddsABosToTokenIdPromptsIsRefused() {
        server.fault(FakeCompletionsServer.Fault.ADDS_BOS);
        try (CompletionsClient c = client(1, 0)) {
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[] {276, 314, 299})))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("position 0 holds token 0 where 276 was sent");
        }
    }

    @Test
    void aServerThatReturnsTokensAsTextIsRefused() {
        server.fault(FakeCompletionsServer.Fault.TEXT_TOKENS);
        try (CompletionsClient c = client(1, 0)) {
            assertThatThrownBy(() -> c.promptLogprobs(List.of(new int[] {276, 314})))
                    .isInstanceOf(ServingEngineException.class)
                    .hasMessageContaining("returns tokens as text ('<276>')")
                    .hasMessageContaining("return_tokens_as_token_ids");
        }
    }

    @Test
    void theApiKeyIsSentInTheHeaderAndAppearsNowhereElse() {
        server.respond((r, n) -> r.path().endsWith("/models") ? null
                : Reply.status(n < 2 ? 500 : 401, "{\"error\":\"bad key " + r.header("Authorization") + "\"}"));
        Optional<ApiKey> key = ApiKey.fromEnvironment(Optional.of("RETENTION_TEST_KEY"),
                Map.of("RETENTION_TEST_KEY", SECRET));
        List<String> texts = new ArrayList<>();
        try (CompletionsClient c = new CompletionsClient(server.base(), FakeCompletionsServer.MODEL, key,
                Duration.ofSeconds(5), 1, 3, FAST)) {
            ServedModel m = c.describe();
            texts.add(m.toString());
            texts.add(c.toString());
            texts.add(key.get().toString());
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> c.promptLogprobs(prompts(1)));
            assertThat(t).isInstanceOf(ServingEngineException.class).hasMessageContaining("HTTP 401")
                    .hasMessageContaining("bad key Bearer ***")
                    .hasMessageContaining("the server refused the API key from $RETENTION_TEST_KEY");
            java.io.StringWriter trace = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(trace));
            texts.add(trace.toString());
        }
        assertThat(server.requests()).allSatisfy(r ->
                assertThat(r.header("Authorization")).isEqualTo("Bearer " + SECRET));
        assertThat(texts).allSatisfy(s -> assertThat(s).doesNotContain(SECRET).doesNotContain("4f9c2a7e1b"));
        assertThat(texts.get(1)).contains("API key from $RETENTION_TEST_KEY");
    }

    @Test
    void anApiKeyVariableThatIsNotSetIsNamedInTheError() {
        assertThatThrownBy(() -> ApiKey.fromEnvironment(Optional.of("MY_VLLM_KEY"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("environment variable MY_VLLM_KEY")
                .hasMessageContaining("not set");
        assertThat(ApiKey.fromEnvironment(Optional.empty(), Map.of("X", "y"))).isEmpty();
    }

    @Test
    void aKeyGivenWhereItsVariableNameBelongsIsRefusedWithoutQuotingIt() {
        assertThatThrownBy(() -> ApiKey.fromEnvironment(Optional.of(SECRET), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a variable name")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("4f9c2a7e1b"));
    }

    @Test
    void aBaseUrlWithCredentialsIsRefusedWithoutQuotingThem() {
        assertThatThrownBy(() -> new CompletionsClient(URI.create("http://user:" + SECRET + "@127.0.0.1:8000/v1"), "m",
                Optional.empty(), Duration.ofSeconds(1), 1, 0, FAST))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds user credentials")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("4f9c2a7e1b"));
    }

    @Test
    void backoffGrowsExponentiallyUpToItsMaximumAndJitterOnlyShortensIt() {
        Backoff b = new Backoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(1000), 0.5);
        assertThat(b.delay(0, () -> 0.0)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.delay(1, () -> 0.0)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(3, () -> 0.0)).isEqualTo(Duration.ofMillis(800));
        assertThat(b.delay(4, () -> 0.0)).isEqualTo(Duration.ofMillis(1000));
        assertThat(b.delay(2, () -> 0.999_999).toMillis()).isCloseTo(200, within(1L));
        assertThat(b.delay(9, () -> 0.5)).isEqualTo(Duration.ofMillis(750));
    }

    /** Just enough of an HttpResponse for {@link CompletionsClient#retryAfter}. */
    private record FakeResponse(Map<String, String> h) implements java.net.http.HttpResponse<String> {
        @Override
        public int statusCode() {
            return 429;
        }

        @Override
        public java.net.http.HttpRequest request() {
            return null;
        }

        @Override
        public Optional<java.net.http.HttpResponse<String>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            Map<String, List<String>> m = new java.util.HashMap<>();
            h.forEach((k, v) -> m.put(k, List.of(v)));
            return java.net.http.HttpHeaders.of(m, (a, b) -> true);
        }

        @Override
        public String body() {
            return "";
        }

        @Override
        public Optional<javax.net.ssl.SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return URI.create("http://127.0.0.1/");
        }

        @Override
        public java.net.http.HttpClient.Version version() {
            return java.net.http.HttpClient.Version.HTTP_1_1;
        }
    }
}
