package dev.retention.examples;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Generation;
import dev.retention.eval.GenerationRequest;
import dev.retention.eval.Loglikelihood;
import dev.retention.eval.LoglikelihoodRequest;
import dev.retention.eval.ProgressListener;
import dev.retention.io.internal.Sha256;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.model.internal.EngineThreads;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Retention's side of the peer benchmark ({@code examples/benchmark/}): loads a model, reads the
 * shared request file, scores its multiple-choice requests (or generates for its prompts) once, cold,
 * as a test run would, and prints one {@code BENCH} line in the protocol of
 * {@code examples/benchmark/README.md}.
 *
 * <pre>
 * java -cp CLASSPATH dev.retention.examples.PeerBenchmark --model DIR --requests FILE --batch-size 16 --task loglikelihood \
 *     [--threads N] [--streams S] [--split-batch true]
 * </pre>
 *
 * <p>Retention runs {@code streams} batches at once, so {@code --batch-size 16} means 16 rows per forward pass
 * and twice that in flight on two streams. {@code --split-batch true} divides the batch size over the streams
 * instead (8 rows per pass on each of 2 streams: the same rows in flight as a peer's batch of 16); the BENCH
 * line then still reports the batch size asked, with {@code batch_per_stream} and {@code streams} beside it.
 */
public final class PeerBenchmark {

    private PeerBenchmark() {
    }

    /**
     * Runs Retention's side of the peer benchmark and prints its timings (see the class comment for the arguments).
     *
     * @param args {@code --name value} pairs
     * @throws IOException when the requests cannot be read or the results written
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> a = arguments(args);
        Path model = Path.of(a.get("model"));
        Path requests = Path.of(a.get("requests"));
        int batch = Integer.parseInt(a.getOrDefault("batch-size", "16"));
        String task = a.getOrDefault("task", "loglikelihood");
        if (a.containsKey("threads")) {
            System.setProperty("retention.threads", a.get("threads")); // read when the engine starts, below
        }
        if (a.containsKey("streams")) {
            System.setProperty("retention.streams", a.get("streams"));
        }
        List<JsonObject> records = new ArrayList<>();
        for (String line : Files.readAllLines(requests, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                records.add(JsonParser.parseString(line).getAsJsonObject());
            }
        }
        long t0 = System.nanoTime();
        try (CausalLm lm = CausalLm.load(model, ModelOptions.defaults().withDevice("cpu"))) {
            double load = (System.nanoTime() - t0) / 1e9;
            int perStream = Boolean.parseBoolean(a.getOrDefault("split-batch", "false"))
                    ? Math.max(1, batch / EngineThreads.streams()) : batch;
            EvalConfig config = EvalConfig.defaults().withBatchSize(perStream)
                    .withProgress(ProgressListener.none(), Duration.ofHours(1));
            Evaluator ev = Evaluator.of(lm, config);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("harness", "retention");
            out.put("task", task);
            if (task.equals("loglikelihood")) {
                loglikelihood(lm, ev, records, out);
            } else if (task.equals("generate")) {
                generate(ev, records, out);
            } else {
                throw new IllegalArgumentException("--task must be loglikelihood or generate, not " + task);
            }
            long[] forward = lm.forwardCounts();
            if (forward != null && forward[2] > 0) {
                out.put("padding_ratio", 1.0 - (double) forward[1] / forward[2]);
                out.put("forward_rows", forward[0]);
            }
            out.put("load_seconds", load);
            out.put("batch_size", batch);
            out.put("batch_per_stream", perStream);
            out.put("threads", Integer.getInteger("retention.threads", Runtime.getRuntime().availableProcessors()));
            out.put("streams", EngineThreads.streams());
            out.put("dtype", "float32");
            out.put("versions", Map.of("java", System.getProperty("java.version"), "model", lm.kind()));
            System.out.println("BENCH " + new Gson().toJson(out));
        }
    }

    private static void loglikelihood(CausalLm lm, Evaluator ev, List<JsonObject> records, Map<String, Object> out) {
        List<LoglikelihoodRequest> reqs = new ArrayList<>();
        List<int[]> itemRange = new ArrayList<>();
        List<Integer> gold = new ArrayList<>();
        for (JsonObject r : records) {
            if (!r.get("type").getAsString().equals("choice")) {
                continue;
            }
            String ctx = r.get("context").getAsString();
            String delim = r.has("delimiter") ? r.get("delimiter").getAsString() : " ";
            int start = reqs.size();
            for (JsonElement c : r.getAsJsonArray("choices")) {
                reqs.add(new LoglikelihoodRequest(ctx, delim + c.getAsString()));
            }
            itemRange.add(new int[] {start, reqs.size()});
            gold.add(r.get("gold").getAsInt());
        }
        long t0 = System.nanoTime();
        List<Loglikelihood> lls = ev.loglikelihood(reqs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double checksum = 0;
        int greedy = 0;
        for (Loglikelihood l : lls) {
            checksum += l.logLikelihood();
            greedy += l.greedy() ? 1 : 0;
        }
        int correct = 0;
        for (int i = 0; i < itemRange.size(); i++) {
            int best = itemRange.get(i)[0];
            for (int k = itemRange.get(i)[0]; k < itemRange.get(i)[1]; k++) {
                if (lls.get(k).logLikelihood() > lls.get(best).logLikelihood()) {
                    best = k;
                }
            }
            correct += best - itemRange.get(i)[0] == gold.get(i) ? 1 : 0;
        }
        out.put("items", itemRange.size());
        out.put("requests", reqs.size());
        out.put("tokens", reqs.stream().mapToLong(r -> pairTokens(lm, r)).sum());
        out.put("seconds", seconds);
        out.put("checksum", checksum);
        out.put("greedy", greedy);
        out.put("acc", (double) correct / itemRange.size());
    }

    /** lm-eval's {@code len(context_enc) + len(continuation_enc)}: the whole pair, or the prefix token and the continuation. */
    private static long pairTokens(CausalLm lm, LoglikelihoodRequest r) {
        int keep = r.context().stripTrailing().length();
        String ctx = r.context().substring(0, keep);
        String cont = r.context().substring(keep) + r.continuation();
        return ctx.isEmpty() ? 1 + lm.tokenizer().encode(cont).length : lm.tokenizer().encode(ctx + cont).length;
    }

    private static void generate(Evaluator ev, List<JsonObject> records, Map<String, Object> out) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (JsonObject r : records) {
            if (r.get("type").getAsString().equals("generate")) {
                reqs.add(new GenerationRequest(r.get("prompt").getAsString(), r.get("max_new_tokens").getAsInt(),
                        List.of()));
            }
        }
        long t0 = System.nanoTime();
        List<Generation> gens = ev.generate(reqs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long tokens = 0;
        long checksum = 0;
        StringJoiner digest = new StringJoiner(", ", "[", "]");
        for (Generation g : gens) {
            int[] ids = g.tokens();
            boolean eos = g.stopReason() == Generation.StopReason.EOS;
            tokens += ids.length + (eos ? 1 : 0);
            StringJoiner one = new StringJoiner(", ", "[", "]");
            for (int id : ids) {
                checksum += id;
                one.add(Integer.toString(id));
            }
            if (eos) {
                int e = ev.model().specialTokens().eos().stream().mapToInt(Integer::intValue).min().orElseThrow();
                checksum += e;
                one.add(Integer.toString(e));
            }
            digest.add(one.toString());
        }
        out.put("items", reqs.size());
        out.put("requests", reqs.size());
        out.put("tokens", tokens);
        out.put("seconds", seconds);
        out.put("checksum", checksum);
        out.put("digest", Sha256.hex(digest.toString()));
    }

    private static Map<String, String> arguments(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --model DIR --requests FILE [--batch-size N] [--task T]");
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        if (!out.containsKey("model") || !out.containsKey("requests")) {
            throw new IllegalArgumentException("usage: --model DIR --requests FILE [--batch-size N] [--task T]");
        }
        return out;
    }
}
