package dev.retention.eval;

import dev.retention.model.CausalLm;
import dev.retention.model.internal.EngineThreads;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenDivergence;
import dev.retention.model.internal.TokenScores;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;

import static org.apiguardian.api.API.Status.INTERNAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * Scores a {@link CausalLm} with lm-evaluation-harness request semantics: log-likelihood of a
 * continuation, rolling log-likelihood of a text, greedy generation, and whole suites into a
 * {@link Scorecard}.
 *
 * <p>Requests are sorted by length, batched (at most {@link EvalConfig#batchSize()} rows and a
 * token budget of {@code batchSize × 256} slots), right-padded and masked, and returned in the order
 * given. The choices of a multiple-choice item travel in one batch, so their shared context runs
 * once. Each batch's NDArrays are freed before the next one starts.
 *
 * <pre>{@code
 * try (CausalLm lm = CausalLm.load(Path.of("models/lora"))) {
 *     Scorecard card = Evaluator.of(lm).score(Suite.load(Path.of("suites/general.jsonl")));
 *     System.out.println(card.category("arithmetic").accuracy());
 * }
 * }</pre>
 *
 * <p>An evaluator does not own its model: closing the model is the caller's business.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class Evaluator {

    /** Token slots per row of {@link EvalConfig#batchSize()} in a batch's budget. */
    static final int TOKENS_PER_ROW = 256;

    private final CausalLm model;
    private final EvalConfig config;
    private final PromptFormat prompts;

    private Evaluator(CausalLm model, EvalConfig config) {
        this.model = model;
        this.config = config;
        this.prompts = PromptFormat.of(model, config);
    }

    /**
     * An evaluator of {@code model} with {@link EvalConfig#defaults()}.
     *
     * @param model the model to score
     * @return the evaluator
     * @throws NullPointerException when {@code model} is null
     */
    public static Evaluator of(CausalLm model) {
        return of(model, EvalConfig.defaults());
    }

    /**
     * An evaluator of {@code model} that runs as {@code config} says.
     *
     * @param model the model to score
     * @param config batch size, prompt and chat templates, progress reporting
     * @return the evaluator
     * @throws NullPointerException when {@code model} or {@code config} is null
     */
    public static Evaluator of(CausalLm model, EvalConfig config) {
        return new Evaluator(model, config);
    }

    /**
     * The model this evaluator scores.
     *
     * @return the model given to {@link #of(CausalLm, EvalConfig)}
     */
    public CausalLm model() {
        return model;
    }

    /**
     * How this evaluator runs.
     *
     * @return the configuration given, or {@link EvalConfig#defaults()}
     */
    public EvalConfig config() {
        return config;
    }

    /**
     * How this evaluator turns suite items into requests (prompt template, chat template).
     *
     * @return the prompt format of this evaluator's model and configuration, the one {@link #score(Suite)} uses
     */
    public PromptFormat prompts() {
        return prompts;
    }

    /**
     * Log-likelihood of {@code continuation} given {@code context}.
     *
     * <p>The prompt template is not applied: the context is scored as given.
     *
     * @param context the conditioning text; left-truncated when the pair does not fit the context window
     * @param continuation the text scored; must encode to between 1 and the context length in tokens
     * @return the result (see {@link #loglikelihood(List)})
     * @throws NullPointerException when {@code context} or {@code continuation} is null
     * @throws IllegalArgumentException naming {@code request 0} when the continuation encodes to no tokens or to
     *     more than the model's context length
     * @throws IllegalStateException naming the model directory when the context encodes to no tokens and the
     *     tokenizer declares neither a BOS nor an EOS token to stand in for it
     */
    public Loglikelihood loglikelihood(String context, String continuation) {
        return loglikelihood(List.of(new LoglikelihoodRequest(context, continuation))).get(0);
    }

    /**
     * Log-likelihoods of many requests, batched, in request order.
     *
     * <p>Each request is encoded as lm-evaluation-harness does: trailing whitespace of the context moves to the
     * continuation, the pair is encoded whole, and the continuation is the tokens after the context's. A pair
     * longer than the context window keeps its last tokens ({@link Loglikelihood#truncatedTokens()} counts the
     * context tokens dropped). Progress goes to {@link EvalConfig#progress()} under the task
     * {@code <model name>: loglikelihood}.
     *
     * @param requests the requests; may be empty
     * @return one result per request, in the order of {@code requests}
     * @throws IllegalArgumentException naming {@code request i} (its index) when a continuation encodes to no
     *     tokens or to more than the model's context length
     * @throws IllegalStateException naming the model directory when a context encodes to no tokens and the
     *     tokenizer declares neither a BOS nor an EOS token to stand in for it
     */
    public List<Loglikelihood> loglikelihood(List<LoglikelihoodRequest> requests) {
        return loglikelihood(requests, "loglikelihood");
    }

    List<Loglikelihood> loglikelihood(List<LoglikelihoodRequest> requests, String task) {
        return loglikelihood(requests, task, i -> "request " + i);
    }

    /** As {@link #loglikelihood(List)}; {@code label} names request i in errors (e.g. its suite item). */
    List<Loglikelihood> loglikelihood(List<LoglikelihoodRequest> requests, String task, IntFunction<String> label) {
        // Two encodings per request, each ~60 µs through DJL's tokenizer binding (it copies tokens and
        // offsets too): a third of a batch-32 pass on a small model, so it runs on all cores. The Rust
        // tokenizer is immutable while encoding; the list keeps request order.
        // A failure is rethrown as thrown (a parallel stream would rewrap it), the first request's first.
        RuntimeException[] failures = new RuntimeException[requests.size()];
        int[] truncated = new int[requests.size()];
        List<ScoreRow> rows = IntStream.range(0, requests.size()).parallel().mapToObj(i -> {
            try {
                LoglikelihoodRequest r = requests.get(i);
                PairEncoding.Pair pair = PairEncoding.encode(model.tokenizer(), this::prefixToken, r.context(),
                        r.continuation());
                truncated[i] = PairEncoding.truncated(pair, model.contextLength());
                return PairEncoding.row(pair, model.contextLength(), label.apply(i));
            } catch (RuntimeException e) {
                failures[i] = e;
                return null;
            }
        }).toList();
        for (RuntimeException e : failures) {
            if (e != null) {
                throw e;
            }
        }
        // The choices of one multiple-choice item share their context: batched side by side, a
        // Hugging Face model runs them as one packed row, the context once.
        Map<String, Integer> contexts = new HashMap<>();
        int[] group = new int[requests.size()];
        for (int i = 0; i < group.length; i++) {
            group[i] = contexts.computeIfAbsent(requests.get(i).context(), c -> contexts.size());
        }
        int[] packed = packedLengths(rows, group, contexts.size());
        List<TokenScores> scores = scoreBatched(rows, task, i -> group[i], g -> packed[g]);
        List<Loglikelihood> out = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            TokenScores s = scores.get(i);
            out.add(new Loglikelihood(s.sum(), s.allGreedy(), s.targets().length, s.argmax(), truncated[i]));
        }
        return out;
    }

    /**
     * Per group, the length of its packed row: the tokens its members share from the start once, then
     * each member's own (identical inputs once). Batches hold groups of similar packed length, so few
     * slots are padding.
     */
    private static int[] packedLengths(List<ScoreRow> rows, int[] group, int groups) {
        int[] shared = new int[groups];
        int[][] first = new int[groups][];
        int[] total = new int[groups];
        List<Set<List<Integer>>> seen = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            seen.add(new HashSet<>());
        }
        for (int i = 0; i < rows.size(); i++) {
            int[] in = rows.get(i).input();
            int g = group[i];
            if (first[g] == null) {
                first[g] = in;
                shared[g] = in.length - 1;
            } else {
                int k = 0;
                while (k < Math.min(shared[g], in.length - 1) && in[k] == first[g][k]) {
                    k++;
                }
                shared[g] = k;
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            int[] in = rows.get(i).input();
            int g = group[i];
            if (seen.get(g).add(Arrays.stream(in, shared[g], in.length).boxed().toList())) {
                total[g] += in.length - shared[g];
            }
        }
        for (int g = 0; g < groups; g++) {
            total[g] += shared[g];
        }
        return total;
    }

    /**
     * Whole-text log-likelihood of {@code text}, in disjoint windows of the context length.
     *
     * @param text the text, scored as written (no template); the first token is predicted from the BOS token
     *     (else the EOS token)
     * @return the summed log-likelihood over every token; for a text that encodes to no tokens, 0 over 0 tokens
     *     and 0 windows
     * @throws IllegalStateException naming the model directory when the tokenizer declares neither a BOS nor an
     *     EOS token
     */
    public RollingLoglikelihood rollingLoglikelihood(String text) {
        return rollingLoglikelihood(List.of(text)).get(0);
    }

    /**
     * Rolling log-likelihoods of many texts; windows of all texts are batched together.
     *
     * @param texts the texts, each scored as {@link #rollingLoglikelihood(String)} scores one
     * @return one result per text, in the order of {@code texts}
     * @throws IllegalStateException naming the model directory when the tokenizer declares neither a BOS nor an
     *     EOS token
     */
    public List<RollingLoglikelihood> rollingLoglikelihood(List<String> texts) {
        return rollingLoglikelihood(texts, "rolling loglikelihood");
    }

    List<RollingLoglikelihood> rollingLoglikelihood(List<String> texts, String task) {
        int prefix = prefixToken();
        List<ScoreRow> rows = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        int[] tokenCounts = new int[texts.size()];
        for (int t = 0; t < texts.size(); t++) {
            int[] ids = model.tokenizer().encode(texts.get(t));
            tokenCounts[t] = ids.length;
            for (ScoreRow r : RollingWindows.of(ids, prefix, model.contextLength())) {
                rows.add(r);
                owner.add(t);
            }
        }
        List<TokenScores> scores = scoreBatched(rows, task);
        double[] ll = new double[texts.size()];
        int[] windows = new int[texts.size()];
        for (int i = 0; i < scores.size(); i++) {
            ll[owner.get(i)] += scores.get(i).sum();
            windows[owner.get(i)]++;
        }
        List<RollingLoglikelihood> out = new ArrayList<>(texts.size());
        for (int t = 0; t < texts.size(); t++) {
            out.add(new RollingLoglikelihood(ll[t], tokenCounts[t], windows[t]));
        }
        return out;
    }

    /** The stream threads when batches of this model run concurrently; {@code null} (none started) otherwise. */
    private Executor streamExecutor() {
        return model.concurrentCalls() > 1 ? EngineThreads.streamExecutor() : null;
    }

    private List<TokenScores> scoreBatched(List<ScoreRow> rows, String task) {
        return scoreBatched(rows, task, i -> i, null);
    }

    /**
     * Rows by descending length in batches of at most {@link EvalConfig#batchSize()} groups (an item's
     * choices are one group; other rows are each their own) and {@code batchSize × }{@value #TOKENS_PER_ROW}
     * token slots counted unpacked: short rows travel in full batches, long ones in smaller batches
     * instead of padding many short rows to one long one. Groups come in order of {@code groupCost}
     * when given (descending), else of their longest member.
     */
    private List<TokenScores> scoreBatched(List<ScoreRow> rows, String task, IntUnaryOperator group,
                                           IntUnaryOperator groupCost) {
        ProgressMeter meter = meter(task, rows.size());
        long budget = (long) config.batchSize() * TOKENS_PER_ROW;
        return Batching.run(rows, r -> r.input().length, group, groupCost, config.batchSize(), budget, batch -> {
            List<TokenScores> s = model.score(batch);
            meter.advance(batch.size());
            return s;
        }, null, streamExecutor());
    }

    /**
     * Greedy generation from {@code prompt}.
     *
     * @param prompt the text to continue, as given (no template); it keeps its last
     *     {@code contextLength - maxNewTokens} tokens
     * @param maxNewTokens the most tokens to generate, at least 1 and below the model's context length
     * @param stop stop strings, none empty; the text is cut before the earliest one found
     * @return the generation
     * @throws IllegalArgumentException when {@code maxNewTokens} is below 1, or (for a local model) not below
     *     the context length, or when a stop string is empty
     */
    public Generation generate(String prompt, int maxNewTokens, List<String> stop) {
        return generate(List.of(new GenerationRequest(prompt, maxNewTokens, stop))).get(0);
    }

    /**
     * Greedy generations, batched by prompt length, in request order.
     *
     * <p>A local model decodes each batch step by step; a served model generates each prompt whole on its
     * engine. Progress goes to {@link EvalConfig#progress()} under the task {@code <model name>: generate}.
     *
     * @param requests the requests; may be empty
     * @return one generation per request, in the order of {@code requests}
     * @throws IllegalArgumentException for a local model, when a request's {@code maxNewTokens} is not below the
     *     context length
     * @throws IllegalStateException naming the model directory when a prompt encodes to no tokens and the
     *     tokenizer declares neither a BOS nor an EOS token to start from
     */
    public List<Generation> generate(List<GenerationRequest> requests) {
        return generate(requests, "generate");
    }

    List<Generation> generate(List<GenerationRequest> requests, String task) {
        List<int[]> prompts = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            prompts.add(promptIds(r.prompt()));
        }
        return generateEncoded(prompts, requests, task);
    }

    /** The token ids a generation starts from: the encoded prompt, or the prefix token for an empty one. */
    int[] promptIds(String prompt) {
        int[] ids = model.tokenizer().encode(prompt);
        return ids.length == 0 ? new int[] {prefixToken()} : ids;
    }

    /**
     * How many prompt tokens a generation drops from the left: prompts keep their last
     * {@code contextLength - maxNewTokens} tokens (lm-evaluation-harness {@code generate_until}).
     */
    int truncatedPrompt(int promptTokens, int maxNewTokens) {
        return Math.max(0, promptTokens - (model.contextLength() - maxNewTokens));
    }

    /** Greedy generations from prompts already encoded with {@link #promptIds}. */
    List<Generation> generateEncoded(List<int[]> prompts, List<GenerationRequest> requests, String task) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            idx.add(i);
        }
        GreedyDecoder decoder = new GreedyDecoder(model);
        ProgressMeter meter = meter(task, requests.size());
        return Batching.run(idx, config.batchSize(), i -> prompts.get(i).length, batch -> {
            List<int[]> p = new ArrayList<>(batch.size());
            List<GenerationRequest> r = new ArrayList<>(batch.size());
            for (int i : batch) {
                p.add(prompts.get(i));
                r.add(requests.get(i));
            }
            List<Generation> g = decoder.generate(p, r);
            meter.advance(batch.size());
            return g;
        }, streamExecutor());
    }

    /**
     * Next-token divergence of {@code other} from this evaluator's model (the reference) on every
     * token of {@code text}, batched like {@link #rollingLoglikelihood(String)}.
     *
     * <p>Windows are as long as the shorter context length of the two models.
     *
     * @param other the model compared with this evaluator's model; must share its tokenizer and vocabulary
     * @param text the text, scored as written (no template)
     * @return per token of {@code text}: its id, KL in nats and both models' log-probabilities
     * @throws IllegalArgumentException when {@code text} encodes to no tokens, or when the two models' tokenizers
     *     or vocabulary sizes differ (the message names both models)
     * @throws IllegalStateException naming the model directory when the tokenizer declares neither a BOS nor an
     *     EOS token
     */
    public TextDivergence nextTokenDivergence(CausalLm other, String text) {
        int[] ids = model.tokenizer().encode(text);
        if (ids.length == 0) {
            throw new IllegalArgumentException("the text encodes to no tokens");
        }
        List<ScoreRow> rows = RollingWindows.of(ids, prefixToken(), Math.min(model.contextLength(), other.contextLength()));
        ProgressMeter meter = meter("next-token divergence from " + other.name(), rows.size());
        List<TokenDivergence> parts = Batching.run(rows, config.batchSize(), r -> r.input().length, batch -> {
            List<TokenDivergence> d = model.divergence(other, batch);
            meter.advance(batch.size());
            return d;
        });
        double[] kl = new double[ids.length];
        double[] lp = new double[ids.length];
        double[] lq = new double[ids.length];
        int at = 0;
        for (TokenDivergence d : parts) {
            System.arraycopy(d.kl(), 0, kl, at, d.kl().length);
            System.arraycopy(d.logProbReference(), 0, lp, at, d.kl().length);
            System.arraycopy(d.logProbOther(), 0, lq, at, d.kl().length);
            at += d.kl().length;
        }
        return new TextDivergence(ids, kl, lp, lq);
    }

    /**
     * One scoring row per scored item of {@code suite}, for its reference answer: a generate item's
     * {@code answer}, a choice item's gold choice, a loglikelihood item's answer (generate items
     * without an answer are skipped). These are the "labelled" requests behind gradient-based
     * diagnostics such as the Fisher information.
     *
     * <p>For Retention's own packages: the row type is internal.
     *
     * @param suite the suite
     * @return the rows, in suite order, encoded and truncated as {@link #loglikelihood(List)} encodes its requests
     * @throws IllegalArgumentException naming the item when an answer encodes to no tokens or to more than the
     *     model's context length
     */
    @API(status = INTERNAL, since = "0.1")
    public List<ScoreRow> answerRows(Suite suite) {
        List<ScoreRow> rows = new ArrayList<>();
        for (SuiteItem item : suite.items()) {
            List<LoglikelihoodRequest> requests = prompts.loglikelihoodRequests(item);
            if (requests.isEmpty()) {
                continue;
            }
            LoglikelihoodRequest r = requests.get(item instanceof SuiteItem.Choice c ? c.gold() : 0);
            PairEncoding.Pair pair = PairEncoding.encode(model.tokenizer(), this::prefixToken, r.context(),
                    r.continuation());
            rows.add(PairEncoding.row(pair, model.contextLength(), "item " + item.id()));
        }
        return rows;
    }

    /**
     * Scores every item of {@code suite}.
     *
     * <p>All log-likelihood requests of the suite run batched together, then all generations, then all
     * perplexity texts; each item's prompt goes through {@link #prompts()}.
     *
     * @param suite the suite
     * @return the scorecard, with this model's identity, the scoring configuration and every item's result in
     *     suite order
     * @throws IllegalArgumentException naming the item and the suite when a generate item's {@code maxTokens}
     *     does not fit below the context length, or when an answer or choice cannot be scored (it encodes to no
     *     tokens or to more than the context length)
     * @throws dev.retention.model.ChatTemplateException naming the item and the suite when a chat template
     *     cannot render an item
     */
    public Scorecard score(Suite suite) {
        return new SuiteScorer(this).score(suite);
    }

    ProgressMeter meter(String task, long total) {
        return new ProgressMeter(model.name() + ": " + task, total, config.progress(), config.progressInterval());
    }

    int prefixToken() {
        return model.specialTokens().prefix().orElseThrow(() -> new IllegalStateException(model.directory()
                + ": the tokenizer files declare neither a BOS nor an EOS token, so an empty context or a rolling "
                + "window has no prefix token; declare bos_token or eos_token in tokenizer_config.json"));
    }
}
