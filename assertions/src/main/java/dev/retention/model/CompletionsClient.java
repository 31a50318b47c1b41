package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A client of an OpenAI-compatible completions endpoint (vLLM's {@code /v1/completions}) that scores
 * token-id prompts and decodes greedily, the way lm-evaluation-harness's {@code local-completions}
 * model does.
 *
 * <p>Every prompt goes as a list of token ids, so context/continuation boundaries are the caller's
 * and no BOS is added by the server (vLLM tokenizes only text prompts); each response is checked to
 * echo exactly the ids sent. Log-likelihoods come from {@code echo: true, logprobs: 1, max_tokens: 1}
 * with vLLM's {@code return_tokens_as_token_ids}, so the top-1 token at every position comes back
 * as an id ({@code "token_id:17"}) rather than a text that two ids may share.
 *
 * <p>At most {@code concurrency} requests are in flight (one permit per request, held across its
 * retries); a request that meets HTTP 429, a 5xx, a connection error or a timeout is retried up to
 * {@code maxRetries} times with {@link Backoff exponential backoff and jitter}, waiting at least as
 * long as the server's {@code Retry-After}. After the last retry a {@link ServingEngineException}
 * names the endpoint, the request (index, length and first tokens of its prompt), the last status and
 * an excerpt of the last body. Other 4xx responses are not retried. The API key goes only into the
 * {@code Authorization} header and is redacted from everything else.
 */
final class CompletionsClient implements AutoCloseable {

    /** Characters of a response body quoted in an error message. */
    static final int BODY_EXCERPT = 400;
    /** Longest {@code Retry-After} honoured; a server asking for more is given up on at once. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);
    private static final String TOKEN_ID_PREFIX = "token_id:";

    private final URI base;
    private final String servedModel;
    private final Optional<ApiKey> apiKey;
    private final Duration timeout;
    private final int concurrency;
    private final int maxRetries;
    private final Backoff backoff;
    private final DoubleSupplier random;
    private final ExecutorService executor;
    private final HttpClient http;
    private final Semaphore permits;
    private volatile String systemFingerprint;
    private volatile int maxModelLen; // from describe(); 0 until then

    CompletionsClient(URI baseUrl, String servedModel, Optional<ApiKey> apiKey, Duration timeout, int concurrency,
                      int maxRetries, Backoff backoff) {
        this(baseUrl, servedModel, apiKey, timeout, concurrency, maxRetries, backoff,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    CompletionsClient(URI baseUrl, String servedModel, Optional<ApiKey> apiKey, Duration timeout, int concurrency,
                      int maxRetries, Backoff backoff, DoubleSupplier random) {
        this.base = checkBase(baseUrl);
        if (servedModel == null || servedModel.isBlank()) {
            throw new IllegalArgumentException("no served model name for " + base + " (write it after '#', e.g. "
                    + base + "#my-model)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, got " + timeout);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be at least 0, got " + maxRetries);
        }
        this.servedModel = servedModel;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.concurrency = concurrency;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.random = random;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "retention-serving-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .executor(executor)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.permits = new Semaphore(concurrency, true);
    }

    private static URI checkBase(URI uri) {
        String scheme = uri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("serving engine URL must be http:// or https://, e.g. "
                    + "http://127.0.0.1:8000/v1; got scheme " + scheme);
        }
        if (uri.getRawUserInfo() != null) {
            // Not quoted: the user info may be a credential.
            throw new IllegalArgumentException("serving engine URL for host " + uri.getHost() + " holds user "
                    + "credentials; put the API key in an environment variable and configure its name instead");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("serving engine base URL must have no query or fragment: " + uri);
        }
        String s = uri.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    /** The endpoint base, e.g. {@code http://127.0.0.1:8000/v1}. */
    URI baseUrl() {
        return base;
    }

    String servedModel() {
        return servedModel;
    }

    /** The {@code system_fingerprint} of the last completion response (vLLM: version and build), if any. */
    Optional<String> systemFingerprint() {
        return Optional.ofNullable(systemFingerprint);
    }

    /**
     * {@code GET /v1/models}: the served model's id, context window and metadata.
     *
     * @throws ServingEngineException naming the models the server does serve when {@code servedModel} is not among them
     */
    ServedModel describe() {
        Call call = new Call("GET", "/models", null, new int[0], "the model list");
        JsonObject body = runAll(List.of(call), (c, json) -> json, () -> { }).get(0);
        JsonArray data = body.has("data") && body.get("data").isJsonArray() ? body.getAsJsonArray("data") : null;
        if (data == null) {
            throw new ServingEngineException("GET " + base + "/models returned no 'data' list; is " + base
                    + " an OpenAI-compatible endpoint (it usually ends in /v1)?");
        }
        List<String> ids = new ArrayList<>();
        JsonObject mine = null;
        for (JsonElement e : data) {
            if (e.isJsonObject() && e.getAsJsonObject().has("id")) {
                String id = e.getAsJsonObject().get("id").getAsString();
                ids.add(id);
                if (id.equals(servedModel)) {
                    mine = e.getAsJsonObject();
                }
            }
        }
        if (mine == null) {
            throw new ServingEngineException(base + " does not serve a model named '" + servedModel + "'; it serves "
                    + ids + ". Declare one of those after '#' (the server's --served-model-name), or point to the "
                    + "server that serves " + servedModel);
        }
        TreeMap<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : mine.entrySet()) {
            if (!e.getKey().equals("created") && e.getValue().isJsonPrimitive()) {
                meta.put(e.getKey(), e.getValue().getAsString());
            } else if (e.getValue().isJsonNull()) {
                meta.put(e.getKey(), "null");
            }
        }
        OptionalInt maxLen = mine.has("max_model_len") && mine.get("max_model_len").isJsonPrimitive()
                ? OptionalInt.of(mine.get("max_model_len").getAsInt()) : OptionalInt.empty();
        maxModelLen = maxLen.orElse(0);
        return new ServedModel(servedModel, maxLen, meta, ids);
    }

    /**
     * The engine's log-probability of every token after the first of each prompt, and its top-1 token
     * at every position; one request per prompt, in order.
     *
     * @throws ServingEngineException when a request fails for good, or the server returns no prompt
     *     log-probabilities, no token ids, or scored other tokens than those sent
     */
    List<PromptScores> promptLogprobs(List<int[]> prompts) {
        return promptLogprobs(prompts, () -> { });
    }

    /** As {@link #promptLogprobs(List)}; {@code done} runs once per prompt scored (from any thread), for progress. */
    List<PromptScores> promptLogprobs(List<int[]> prompts, Runnable done) {
        List<Call> calls = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            if (p.length < 2) {
                throw new IllegalArgumentException("prompt " + i + " has " + p.length + " token(s); scoring needs at "
                        + "least 2 (the first token is only context)");
            }
            if (maxModelLen > 0 && p.length >= maxModelLen) {
                // vLLM schedules one generated token even for echo requests, so the prompt must leave room for it.
                throw new IllegalArgumentException("prompt " + i + " has " + p.length + " tokens; " + base + "#"
                        + servedModel + " has max_model_len " + maxModelLen + ", so a scored prompt can have at most "
                        + (maxModelLen - 1));
            }
            JsonObject body = new JsonObject();
            body.addProperty("model", servedModel);
            body.add("prompt", ids(p));
            body.addProperty("echo", true);
            body.addProperty("logprobs", 1);
            body.addProperty("max_tokens", 1);
            body.addProperty("temperature", 0);
            body.addProperty("return_tokens_as_token_ids", true);
            body.addProperty("add_special_tokens", false);
            calls.add(new Call("POST", "/completions", body, p.clone(), describe(i, prompts.size(), p)));
        }
        return runAll(calls, this::parsePromptScores, done);
    }

    /**
     * Greedy continuations ({@code temperature: 0}, penalties neutral) of each prompt, up to
     * {@code maxTokens} tokens or a stop string, with the engine's log-probability of each generated
     * token.
     */
    List<Completion> greedy(List<int[]> prompts, int maxTokens, List<String> stop) {
        return greedy(prompts, maxTokens, stop, () -> { });
    }

    /** As {@link #greedy(List, int, List)}; {@code done} runs once per completion received (from any thread). */
    List<Completion> greedy(List<int[]> prompts, int maxTokens, List<String> stop, Runnable done) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        List<Call> calls = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; greedy decoding needs at least 1 token");
            }
            JsonObject body = new JsonObject();
            body.addProperty("model", servedModel);
            body.add("prompt", ids(p));
            body.addProperty("max_tokens", maxTokens);
            body.addProperty("temperature", 0);
            // A served model's generation_config.json becomes vLLM's default sampling parameters; a
            // repetition penalty there would change greedy choices, so every penalty is set neutral.
            body.addProperty("repetition_penalty", 1.0);
            body.addProperty("presence_penalty", 0.0);
            body.addProperty("frequency_penalty", 0.0);
            body.addProperty("logprobs", 1);
            if (!stop.isEmpty()) {
                JsonArray s = new JsonArray();
                stop.forEach(s::add);
                body.add("stop", s);
            }
            body.addProperty("return_tokens_as_token_ids", true);
            body.addProperty("return_token_ids", true);
            body.addProperty("add_special_tokens", false);
            calls.add(new Call("POST", "/completions", body, p.clone(), describe(i, prompts.size(), p)));
        }
        return runAll(calls, this::parseCompletion, done);
    }

    private static JsonArray ids(int[] p) {
        JsonArray a = new JsonArray(p.length);
        for (int t : p) {
            a.add(t);
        }
        return a;
    }

    private static String describe(int i, int n, int[] prompt) {
        int shown = Math.min(prompt.length, 8);
        String head = Arrays.stream(prompt, 0, shown).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        return "request " + i + " of " + n + " (prompt of " + prompt.length + " tokens [" + head
                + (prompt.length > shown ? ", ..." : "") + "])";
    }

    // ---------------------------------------------------------------- parsing

    private PromptScores parsePromptScores(Call call, JsonObject json) {
        int[] sent = call.prompt;
        JsonObject choice = firstChoice(call, json);
        JsonObject lp = choice.has("logprobs") && choice.get("logprobs").isJsonObject()
                ? choice.getAsJsonObject("logprobs") : null;
        JsonArray tokens = lp == null ? null : array(lp, "tokens");
        JsonArray values = lp == null ? null : array(lp, "token_logprobs");
        JsonArray tops = lp == null ? null : array(lp, "top_logprobs");
        if (tokens == null || values == null || tops == null || tokens.size() < sent.length) {
            throw fail(call, "returned no prompt log-probabilities (echo: true with logprobs: 1 gave "
                    + (tokens == null ? "no logprobs.tokens" : tokens.size() + " echoed tokens for " + sent.length
                    + " sent") + "); the server cannot score log-likelihoods (llama.cpp's server, for one, ignores "
                    + "echo)", json);
        }
        double[] logProbs = new double[sent.length - 1];
        int[] top1 = new int[sent.length - 1];
        double[] top1Lp = new double[sent.length - 1];
        for (int i = 0; i < sent.length; i++) {
            int echoed = tokenId(call, tokens.get(i), json);
            if (echoed != sent[i]) {
                throw fail(call, "scored another prompt than the one sent: position " + i + " holds token " + echoed
                        + " where " + sent[i] + " was sent (a server that adds a BOS or re-tokenizes token-id prompts "
                        + "cannot be used)", json);
            }
            if (i == 0) {
                continue;
            }
            JsonElement v = values.get(i);
            JsonElement top = tops.get(i);
            if (v == null || v.isJsonNull() || top == null || !top.isJsonObject() || top.getAsJsonObject().size() == 0) {
                throw fail(call, "returned no prompt log-probability for position " + i + " (token " + sent[i] + ")",
                        json);
            }
            logProbs[i - 1] = v.getAsDouble();
            top1[i - 1] = bestOf(call, top.getAsJsonObject(), json);
            top1Lp[i - 1] = top.getAsJsonObject().get(TOKEN_ID_PREFIX + top1[i - 1]).getAsDouble();
        }
        return new PromptScores(sent.clone(), logProbs, top1, top1Lp);
    }

    private Completion parseCompletion(Call call, JsonObject json) {
        JsonObject choice = firstChoice(call, json);
        JsonObject lp = choice.has("logprobs") && choice.get("logprobs").isJsonObject()
                ? choice.getAsJsonObject("logprobs") : null;
        JsonArray tokens = lp == null ? null : array(lp, "tokens");
        JsonArray values = lp == null ? null : array(lp, "token_logprobs");
        if (tokens == null || values == null || tokens.size() != values.size()) {
            throw fail(call, "returned no log-probabilities for the generated tokens (logprobs: 1)", json);
        }
        int[] ids = new int[tokens.size()];
        double[] lps = new double[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokenId(call, tokens.get(i), json);
            JsonElement v = values.get(i);
            if (v == null || v.isJsonNull()) {
                throw fail(call, "returned no log-probability for generated token " + i, json);
            }
            lps[i] = v.getAsDouble();
        }
        JsonArray tokenIds = array(choice, "token_ids");
        if (tokenIds != null) {
            int[] direct = new int[tokenIds.size()];
            for (int i = 0; i < direct.length; i++) {
                direct[i] = tokenIds.get(i).getAsInt();
            }
            if (!Arrays.equals(direct, ids)) {
                throw fail(call, "reports generated token_ids " + Arrays.toString(direct)
                        + " but log-probabilities for " + Arrays.toString(ids), json);
            }
        }
        String reason = choice.has("finish_reason") && !choice.get("finish_reason").isJsonNull()
                ? choice.get("finish_reason").getAsString() : "null";
        Completion.FinishReason finish;
        if (reason.equals("stop")) {
            finish = Completion.FinishReason.STOP;
        } else if (reason.equals("length")) {
            finish = Completion.FinishReason.LENGTH;
        } else {
            throw fail(call, "finished with reason '" + reason + "' (expected stop or length)", json);
        }
        String text = choice.has("text") && !choice.get("text").isJsonNull() ? choice.get("text").getAsString() : "";
        return new Completion(ids, text, finish, lps);
    }

    private JsonObject firstChoice(Call call, JsonObject json) {
        if (json.has("system_fingerprint") && json.get("system_fingerprint").isJsonPrimitive()) {
            systemFingerprint = json.get("system_fingerprint").getAsString();
        }
        JsonArray choices = array(json, "choices");
        if (choices == null || choices.size() == 0 || !choices.get(0).isJsonObject()) {
            throw fail(call, "returned no choices", json);
        }
        return choices.get(0).getAsJsonObject();
    }

    private static JsonArray array(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonArray() ? o.getAsJsonArray(key) : null;
    }

    private int tokenId(Call call, JsonElement token, JsonObject json) {
        String s = token == null || token.isJsonNull() ? "null" : token.getAsString();
        if (!s.startsWith(TOKEN_ID_PREFIX)) {
            throw fail(call, "returns tokens as text ('" + s + "'), not as ids; Retention needs vLLM's "
                    + "return_tokens_as_token_ids (a text can stand for several token ids)", json);
        }
        try {
            return Integer.parseInt(s.substring(TOKEN_ID_PREFIX.length()));
        } catch (NumberFormatException e) {
            throw fail(call, "returned a malformed token '" + s + "'", json);
        }
    }

    /** The id with the highest log-probability among the {@code top_logprobs} of one position. */
    private int bestOf(Call call, JsonObject top, JsonObject json) {
        int best = -1;
        double bestLp = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, JsonElement> e : top.entrySet()) {
            int id = tokenId(call, new com.google.gson.JsonPrimitive(e.getKey()), json);
            double v = e.getValue().getAsDouble();
            if (best < 0 || v > bestLp || (v == bestLp && id < best)) {
                best = id;
                bestLp = v;
            }
        }
        return best;
    }

    private ServingEngineException fail(Call call, String what, JsonObject json) {
        return new ServingEngineException(call.method + " " + base + call.path + " (" + call.what + ", model "
                + servedModel + ") " + what + ". Response: " + excerpt(json.toString()));
    }

    private String excerpt(String body) {
        String b = apiKey.map(k -> k.redact(body)).orElse(body).replaceAll("\\s+", " ");
        return b.length() <= BODY_EXCERPT ? b : b.substring(0, BODY_EXCERPT) + "... (" + b.length() + " chars)";
    }

    // ---------------------------------------------------------------- transport

    /** One request: {@code prompt} is what was sent (empty for a GET), {@code what} names it in messages. */
    private record Call(String method, String path, JsonObject body, int[] prompt, String what) { }

    private interface Parser<T> {
        T parse(Call call, JsonObject json);
    }

    /**
     * Runs {@code calls} with at most {@link #concurrency} in flight and returns their parsed results
     * in order; the first failure (lowest index) is thrown after the requests in flight finish, and
     * no new request starts once one has failed for good.
     */
    private <T> List<T> runAll(List<Call> calls, Parser<T> parser, Runnable done) {
        List<CompletableFuture<T>> futures = new ArrayList<>(calls.size());
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try {
            for (Call call : calls) {
                if (failed.get() != null) {
                    break;
                }
                permits.acquire();
                if (failed.get() != null) {
                    permits.release();
                    break;
                }
                CompletableFuture<T> f;
                try {
                    f = attempt(call, 0, parser);
                } catch (RuntimeException e) {
                    permits.release();
                    throw e;
                }
                f.whenComplete((r, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e); // before the release, so the sender sees it
                    }
                    permits.release();
                    if (e == null) {
                        done.run();
                    }
                });
                futures.add(f);
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new ServingEngineException("interrupted while sending requests to " + base, e);
        }
        List<T> out = new ArrayList<>(futures.size());
        ServingEngineException first = null;
        for (CompletableFuture<T> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                futures.forEach(g -> g.cancel(true));
                Thread.currentThread().interrupt();
                throw new ServingEngineException("interrupted while waiting for " + base, e);
            } catch (ExecutionException | CancellationException e) {
                if (first == null) {
                    first = asServingException(e instanceof ExecutionException ? e.getCause() : e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        if (out.size() != calls.size()) { // cannot happen: a failure is always recorded before we stop sending
            throw new ServingEngineException("only " + out.size() + " of " + calls.size() + " requests to " + base
                    + " were sent");
        }
        return out;
    }

    private static ServingEngineException asServingException(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof ServingEngineException s) {
            return s;
        }
        if (c instanceof RuntimeException r && !(c instanceof CancellationException)) {
            throw r; // a bug of ours, not the server's: keep its type and stack
        }
        return new ServingEngineException(String.valueOf(c), c);
    }

    private <T> CompletableFuture<T> attempt(Call call, int n, Parser<T> parser) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + call.path))
                .timeout(timeout)
                .header("Accept", "application/json");
        apiKey.ifPresent(k -> b.header("Authorization", k.bearerHeader()));
        if (call.body == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(call.body.toString()));
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .handle((resp, err) -> {
                    Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    if (e == null && resp.statusCode() == 200) {
                        return CompletableFuture.completedFuture(parser.parse(call, parse(call, resp)));
                    }
                    boolean retriable = e != null
                            ? e instanceof IOException
                            : resp.statusCode() == 429 || resp.statusCode() >= 500;
                    Optional<Duration> retryAfter = e != null ? Optional.empty() : retryAfter(resp);
                    String last = e != null ? describeError(e) : describeStatus(resp);
                    if (retriable && n < maxRetries
                            && retryAfter.map(d -> d.compareTo(MAX_RETRY_AFTER) <= 0).orElse(true)) {
                        Duration wait = backoff.delay(n, random);
                        if (retryAfter.isPresent() && retryAfter.get().compareTo(wait) > 0) {
                            wait = retryAfter.get();
                        }
                        return CompletableFuture.supplyAsync(() -> null,
                                        CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS, executor))
                                .thenCompose(x -> attempt(call, n + 1, parser));
                    }
                    String why = !retriable ? "" : n < maxRetries ? " (the server asked to retry after "
                            + retryAfter.map(Duration::toString).orElse("?") + ", more than " + MAX_RETRY_AFTER + ")"
                            : "";
                    return CompletableFuture.<T>failedFuture(new ServingEngineException(call.method + " " + base
                            + call.path + " failed for " + call.what + " of model " + servedModel + " after "
                            + (n + 1) + (n == 0 ? " attempt" : " attempts") + why + "; last: " + last
                            + (retriable ? "" : hint(resp))));
                })
                .thenCompose(Function.identity());
    }

    private JsonObject parse(Call call, HttpResponse<String> resp) {
        try {
            JsonElement e = JsonParser.parseString(resp.body());
            if (!e.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ServingEngineException(call.method + " " + base + call.path + " (" + call.what
                    + ") returned HTTP 200 with a body that is not a JSON object: " + excerpt(resp.body()));
        }
    }

    private String describeStatus(HttpResponse<String> resp) {
        return "HTTP " + resp.statusCode() + ", body: " + excerpt(resp.body() == null ? "" : resp.body());
    }

    private String describeError(Throwable e) {
        if (e instanceof HttpTimeoutException) {
            return "no response within the timeout of " + timeout + " (" + e.getClass().getSimpleName() + ")";
        }
        if (e instanceof ConnectException) {
            return "cannot connect (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                    + e.getMessage()) + "); is the server running and listening on " + base.getHost() + ":"
                    + base.getPort() + "?";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                + apiKey.map(k -> k.redact(e.getMessage())).orElse(e.getMessage()));
    }

    private String hint(HttpResponse<String> resp) {
        if (resp == null) {
            return "";
        }
        int s = resp.statusCode();
        if ((s == 401 || s == 403)) {
            return apiKey.isPresent() ? " (the server refused the " + apiKey.get() + ")"
                    : " (the server wants an API key: configure the name of the environment variable that holds it)";
        }
        if (s == 404) {
            return " (is the base URL the server's OpenAI-compatible root, usually ending in /v1, and is the model "
                    + "name the server's --served-model-name?)";
        }
        return "";
    }

    /** {@code Retry-After} as delta-seconds or an HTTP date. */
    static Optional<Duration> retryAfter(HttpResponse<?> resp) {
        Optional<String> h = resp.headers().firstValue("Retry-After");
        if (h.isEmpty()) {
            return Optional.empty();
        }
        String v = h.get().trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v,
                        DateTimeFormatter.RFC_1123_DATE_TIME));
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "completions client for " + base + "#" + servedModel + " (" + apiKey.map(ApiKey::toString)
                .orElse("no API key") + ", timeout " + timeout + ", concurrency " + concurrency + ", " + maxRetries
                + " retries)";
    }
}
