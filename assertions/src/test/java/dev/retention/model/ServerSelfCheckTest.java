package dev.retention.model;

import dev.retention.fixtures.internal.FakeCompletionsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static dev.retention.fixtures.internal.FakeCompletionsServer.Fault;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerSelfCheckTest {

    private static final List<int[]> PROBES = List.of(new int[] {276, 314, 299, 423}, new int[] {5}, new int[] {9, 8});
    private static final Optional<Function<int[], String>> DECODE = Optional.of(FakeCompletionsServer::decode);

    private FakeCompletionsServer server;
    private CompletionsClient client;

    @BeforeEach
    void start() throws IOException {
        server = new FakeCompletionsServer();
        client = new CompletionsClient(server.base(), FakeCompletionsServer.MODEL, Optional.empty(),
                Duration.ofSeconds(5), 2, 0, Backoff.defaults());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private ServerSelfCheck.Report check() {
        return ServerSelfCheck.run(client, PROBES, 5, ServerSelfCheck.FLOAT32_TOLERANCE, DECODE);
    }

    @Test
    void aServerThatAgreesWithItselfPasses() {
        ServerSelfCheck.Report r = check();
        assertThat(r.probes()).isEqualTo(3);
        assertThat(r.comparedTokens()).isEqualTo(15);
        assertThat(r.maxDifference()).isZero();
        assertThat(r.systemFingerprint()).contains("fake-1.0");
    }

    @Test
    void defaultProbesAreTheProbeTextsThroughTheModelsTokenizer() {
        List<int[]> p = ServerSelfCheck.probes(t -> t.startsWith("def") ? new int[0] : t.chars().limit(3).toArray());
        assertThat(p).hasSize(ServerSelfCheck.PROBE_TEXTS.size() - 1);
        assertThat(p.get(0)).containsExactly('T', 'h', 'e');
    }

    @Test
    void echoLogprobsThatDifferFromGenerationAreRefusedWithBothNumbers() {
        // llama-cpp-python 0.3.36 gave -10.46 for " of" after "The capital" where transformers gives -0.34.
        server.fault(Fault.ECHO_OFFSET);
        server.echoOffset(-10.12);
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("serving engine " + server.base() + "#fake-model is refused")
                .hasMessageContaining("probe 0 [276, 314, 299, 423], generated token 0")
                .hasMessageContaining("-0.290000 when generating it")
                .hasMessageContaining("-10.4100 when scoring it as a prompt")
                .hasMessageContaining("> tolerance 0.001 per token");
    }

    @Test
    void differencesAreJudgedPerTokenAgainstTheTolerance() {
        server.fault(Fault.ECHO_OFFSET);
        server.echoOffset(-0.0009);
        assertThat(check().maxDifference()).isCloseTo(0.0009, org.assertj.core.api.Assertions.within(1e-12));
        server.echoOffset(-0.0011);
        assertThatThrownBy(this::check).isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("difference 0.00110000 > tolerance 0.001");
    }

    @Test
    void aServerThatReturnsNoPromptLogprobsIsRefused() {
        server.fault(Fault.NO_ECHO);
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("#fake-model is refused: it cannot score prompts")
                .hasMessageContaining("returned no prompt log-probabilities");
    }

    @Test
    void aServerThatRejectsTokenIdPromptsIsRefused() {
        // llama-cpp-python's server takes only text prompts and answers 422 to a list of ids.
        server.respond((r, n) -> FakeCompletionsServer.Reply.status(422,
                "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"prompt\"]}]}"));
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("is refused: it cannot decode greedily from token-id prompts")
                .hasMessageContaining("HTTP 422");
    }

    @Test
    void logitsReportedAsLogprobsAreRefused() {
        server.fault(Fault.LOGITS);
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("reports log-probabilities above 0")
                .hasMessageContaining("7.21000 when generating it");
    }

    @Test
    void greedyChoicesThatAreNotTheTop1OfThePromptScoresAreRefused() {
        server.fault(Fault.NOT_GREEDY);
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("generated token 1")
                .hasMessageContaining("but its prompt scores rank token");
    }

    @Test
    void aServerWhoseTextIsNotTheLocalTokenizersDecodingIsRefused() {
        server.fault(Fault.WRONG_TEXT);
        assertThatThrownBy(this::check)
                .isInstanceOf(ServingEngineException.class)
                .hasMessageContaining("but the model's tokenizer.json decodes them as")
                .hasMessageContaining("another tokenizer");
        assertThat(ServerSelfCheck.run(client, PROBES, 5, ServerSelfCheck.FLOAT32_TOLERANCE, Optional.empty())
                .comparedTokens()).as("without a local decoder only log-probabilities are compared").isEqualTo(15);
    }
}
