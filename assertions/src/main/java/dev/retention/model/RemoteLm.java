package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;

/**
 * A model on an OpenAI-compatible serving engine (vLLM, SGLang's OpenAI API): prompts go as token
 * ids built with the model's own {@code tokenizer.json}, log-likelihoods come back as the engine's
 * prompt log-probabilities (echo), greedy generation as completions at temperature 0. The engine
 * must first pass {@link ServerSelfCheck}. Weights and full next-token distributions are not
 * available remotely: weight diagnostics and next-token divergence refuse such a model.
 */
final class RemoteLm implements LmBackend {

    private final ServingEndpoint endpoint;
    private final CompletionsClient client;
    private final ServedModel served;
    private final NDManager manager;
    private ServerSelfCheck.Report check;

    private RemoteLm(ServingEndpoint endpoint, CompletionsClient client, ServedModel served) {
        this.endpoint = endpoint;
        this.client = client;
        this.served = served;
        this.manager = NDManager.newBaseManager("PyTorch");
    }

    /** Connects and reads what the engine serves; refuses an engine that does not serve the declared model. */
    static RemoteLm connect(ServingEndpoint endpoint, ModelOptions.Serving s) {
        CompletionsClient client = new CompletionsClient(endpoint.baseUrl(), endpoint.servedModel(),
                ApiKey.fromEnvironment(s.apiKeyVariable(), System.getenv()), s.timeout(), s.concurrency(),
                s.maxRetries(), Backoff.defaults());
        try {
            return new RemoteLm(endpoint, client, client.describe());
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** What the engine reports about the served model (without it, no score from it can be keyed). */
    static ServedModel describe(ServingEndpoint endpoint, ModelOptions.Serving s) {
        try (CompletionsClient client = new CompletionsClient(endpoint.baseUrl(), endpoint.servedModel(),
                ApiKey.fromEnvironment(s.apiKeyVariable(), System.getenv()), s.timeout(), s.concurrency(),
                s.maxRetries(), Backoff.defaults())) {
            return client.describe();
        }
    }

    /** Runs the self-check once: the engine's prompt scores must agree with its own generation log-probabilities. */
    synchronized ServerSelfCheck.Report selfCheck(Function<String, int[]> encode, Function<int[], String> decode,
                                                  double tolerance) {
        if (check == null) {
            check = ServerSelfCheck.run(client, ServerSelfCheck.probes(encode), ServerSelfCheck.DEFAULT_STEPS,
                    tolerance, Optional.of(decode));
        }
        return check;
    }

    ServingEndpoint endpoint() {
        return endpoint;
    }

    ServedModel served() {
        return served;
    }

    Optional<String> systemFingerprint() {
        return client.systemFingerprint();
    }

    /** Scores of each row's targets, from the engine's prompt log-probabilities of the row's whole sequence. */
    List<TokenScores> score(List<ScoreRow> rows) {
        List<int[]> sequences = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ScoreRow r = rows.get(i);
            int[] in = r.input();
            int[] t = r.targets();
            for (int j = 0; j + 1 < t.length; j++) {
                if (in[r.firstTarget() + j + 1] != t[j]) {
                    throw new IllegalArgumentException("row " + i + " is not a teacher-forced continuation (target " + j
                            + " is not the next input token); a serving engine scores whole sequences only");
                }
            }
            int[] seq = java.util.Arrays.copyOf(in, r.firstTarget() + t.length + 1);
            seq[seq.length - 1] = t[t.length - 1];
            sequences.add(seq);
        }
        List<PromptScores> scores = client.promptLogprobs(sequences);
        List<TokenScores> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            out.add(scores.get(i).continuation(rows.get(i).firstTarget() + 1));
        }
        return out;
    }

    /** Greedy completions at temperature 0, cut by the engine at {@code stop} strings and EOS. */
    List<Completion> generate(List<int[]> prompts, int maxTokens, List<String> stop) {
        return client.greedy(prompts, maxTokens, stop);
    }

    @Override
    public NDArray logits(NDManager m, long[] ids, long[] mask, int b, int t, long[] flatPositions) {
        throw unavailable("full next-token distributions");
    }

    @Override
    public Decoding decode(NDManager m, List<int[]> prompts, int padId) {
        throw unavailable("step-by-step decoding");
    }

    @Override
    public Map<String, NDArray> parameters() {
        throw unavailable("its weights");
    }

    private UnsupportedOperationException unavailable(String what) {
        return new UnsupportedOperationException(endpoint + " is a model on a serving engine, which does not give "
                + what + "; weight diagnostics and next-token divergence need the model loaded locally");
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public String kind() {
        return "served by " + endpoint.baseUrl();
    }

    @Override
    public void close() {
        client.close();
        manager.close();
    }
}
