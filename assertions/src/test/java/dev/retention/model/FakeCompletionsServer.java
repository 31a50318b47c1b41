package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible completions server on 127.0.0.1 (ephemeral port) for unit tests. By default
 * it answers like vLLM with a small deterministic "model" ({@link #next}, {@link #logProb}); a test
 * can replace the answer to any request ({@link #respond}) and make the model misbehave in the ways
 * real servers do.
 */
final class FakeCompletionsServer implements AutoCloseable {

    record Request(String method, String path, String body, Map<String, List<String>> headers, long nanos) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    record Reply(int status, String body, Map<String, String> headers, long delayMillis) {
        static Reply ok(JsonObject json) {
            return new Reply(200, json.toString(), Map.of(), 0);
        }

        static Reply status(int status, String body) {
            return new Reply(status, body, Map.of(), 0);
        }

        Reply withHeader(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, body, h, delayMillis);
        }

        Reply delayed(long millis) {
            return new Reply(status, body, headers, millis);
        }
    }

    interface Responder {
        /** The reply to request number {@code n} (0-based, over all requests); null for the default. */
        Reply reply(Request request, int n);
    }

    /** Ways the fake model can misbehave. */
    enum Fault {
        NONE,
        /** Echo log-probabilities offset by {@link #echoOffset} (llama-cpp-python 0.3.36 style when large). */
        ECHO_OFFSET,
        /** Echo ignored: only generated tokens come back (llama.cpp's server). */
        NO_ECHO,
        /** Logits reported in place of log-probabilities (vLLM --logprobs-mode raw_logits). */
        LOGITS,
        /** A BOS (id 0) put in front of every token-id prompt. */
        ADDS_BOS,
        /** Tokens returned as text instead of token_id:N. */
        TEXT_TOKENS,
        /** Generation that does not pick the top-1 (a repetition penalty the client did not switch off). */
        NOT_GREEDY,
        /** Generated text decoded by another tokenizer. */
        WRONG_TEXT
    }

    static final String MODEL = "fake-model";

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(24);
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Responder responder = (r, n) -> null;
    private volatile long handlingMillis;
    volatile Fault fault = Fault.NONE;
    volatile double echoOffset;
    volatile List<String> servedIds = List.of(MODEL);

    FakeCompletionsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>/v1}. */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    void respond(Responder r) {
        responder = r;
    }

    /** Every request is held this long before it is answered (to measure concurrency). */
    void handlingTime(long millis) {
        handlingMillis = millis;
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), body,
                    Map.copyOf(ex.getRequestHeaders()), System.nanoTime());
            requests.add(req);
            int n = count.getAndIncrement();
            Reply reply = responder.reply(req, n);
            if (reply == null) {
                reply = defaultReply(req);
            }
            long hold = Math.max(reply.delayMillis(), handlingMillis);
            if (hold > 0) {
                Thread.sleep(hold);
            }
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away (timeout test); nothing to answer
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    // ------------------------------------------------------------------ the fake model

    /** The model's most likely next token after {@code prefix}. */
    static int next(List<Integer> prefix) {
        int s = 0;
        for (int t : prefix) {
            s = s * 31 + t;
        }
        return 10 + Math.floorMod(s, 50);
    }

    /** Natural-log probability of {@code token} after {@code prefix}. */
    static double logProb(List<Integer> prefix, int token) {
        return token == next(prefix) ? -0.25 - 0.01 * (prefix.size() % 5) : -4.0 - (token % 7) * 0.5;
    }

    private Reply defaultReply(Request req) {
        if (req.method().equals("GET") && req.path().equals("/v1/models")) {
            JsonArray data = new JsonArray();
            for (String id : servedIds) {
                JsonObject m = new JsonObject();
                m.addProperty("id", id);
                m.addProperty("object", "model");
                m.addProperty("created", System.currentTimeMillis() / 1000);
                m.addProperty("owned_by", "vllm");
                m.addProperty("root", "/models/" + id);
                m.add("parent", JsonNull.INSTANCE);
                m.addProperty("max_model_len", 2048);
                m.add("permission", new JsonArray());
                data.add(m);
            }
            JsonObject o = new JsonObject();
            o.addProperty("object", "list");
            o.add("data", data);
            return Reply.ok(o);
        }
        if (!req.method().equals("POST") || !req.path().equals("/v1/completions")) {
            return Reply.status(404, "{\"detail\":\"Not Found\"}");
        }
        JsonObject r = req.json();
        String model = r.get("model").getAsString();
        if (!servedIds.contains(model)) {
            return Reply.status(404, "{\"error\":{\"message\":\"The model `" + model + "` does not exist.\"}}");
        }
        List<Integer> prompt = new ArrayList<>();
        for (JsonElement e : r.getAsJsonArray("prompt")) {
            prompt.add(e.getAsInt());
        }
        if (fault == Fault.ADDS_BOS) {
            prompt.add(0, 0);
        }
        boolean echo = r.has("echo") && r.get("echo").getAsBoolean();
        int maxTokens = r.get("max_tokens").getAsInt();

        List<Integer> seq = new ArrayList<>(prompt);
        JsonArray tokens = new JsonArray();
        JsonArray values = new JsonArray();
        JsonArray tops = new JsonArray();
        if (echo && fault != Fault.NO_ECHO) {
            for (int i = 0; i < prompt.size(); i++) {
                tokens.add(token(prompt.get(i)));
                if (i == 0) {
                    values.add(JsonNull.INSTANCE);
                    tops.add(JsonNull.INSTANCE);
                    continue;
                }
                List<Integer> pre = prompt.subList(0, i);
                double off = fault == Fault.ECHO_OFFSET ? echoOffset : 0;
                double v = value(pre, prompt.get(i)) + off;
                values.add(v);
                JsonObject top = new JsonObject();
                top.addProperty(token(prompt.get(i)), v);
                top.addProperty(token(next(pre)), value(pre, next(pre)) + off);
                tops.add(top);
            }
        }
        JsonArray generated = new JsonArray();
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < maxTokens; k++) {
            int t = next(seq);
            if (fault == Fault.NOT_GREEDY && k == 1) {
                t = t + 1;
            }
            double v = value(seq, t);
            tokens.add(token(t));
            values.add(v);
            JsonObject top = new JsonObject();
            top.addProperty(token(t), v);
            tops.add(top);
            generated.add(t);
            text.append(fault == Fault.WRONG_TEXT && k == 0 ? "<" + (t + 1) + ">" : "<" + t + ">");
            seq.add(t);
        }
        JsonObject lp = new JsonObject();
        lp.add("tokens", tokens);
        lp.add("token_logprobs", values);
        lp.add("top_logprobs", tops);
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.addProperty("text", text.toString());
        choice.add("logprobs", r.has("logprobs") ? lp : JsonNull.INSTANCE);
        choice.addProperty("finish_reason", "length");
        if (r.has("return_token_ids") && r.get("return_token_ids").getAsBoolean()) {
            choice.add("token_ids", generated);
        }
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject o = new JsonObject();
        o.addProperty("object", "text_completion");
        o.addProperty("model", model);
        o.addProperty("system_fingerprint", "fake-1.0");
        o.add("choices", choices);
        return Reply.ok(o);
    }

    private double value(List<Integer> prefix, int token) {
        double lp = logProb(prefix, token);
        return fault == Fault.LOGITS ? lp + 7.5 : lp;
    }

    private String token(int id) {
        return fault == Fault.TEXT_TOKENS ? "<" + id + ">" : "token_id:" + id;
    }

    /** What the fake model's tokenizer makes of {@code ids}. */
    static String decode(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int t : ids) {
            b.append('<').append(t).append('>');
        }
        return b.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
