package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import dev.retention.model.internal.GreedySession;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every Hugging Face fixture family (and every LoRA adapter Retention applies) scores as
 * transformers (and PEFT, unmerged) does: per-token log-probabilities, the argmax at every scored
 * position, and greedy generation with the KV cache, token for token.
 *
 * <p>Tolerance: {@value #PER_TOKEN} per scored token. Both sides compute in float32 (the reference is
 * transformers' eager forward, float32 log-softmax, recorded by make_hf_fixtures.py); the logit of a
 * token is a sum over thousands of float32 products whose order depends on the CPU kernel (AVX2 or
 * AVX-512, thread count), so it carries a relative error of a few float32 ulps (1.2e-7) per operation,
 * compounding over the layers to about 1e-5 here (measured: at most 2.5e-5 on a 30-layer 135M model).
 * 1e-4 leaves headroom for other kernels while still catching any real error, which moves
 * log-probabilities by 1e-2 or more. The fixtures' greedy decisions all have margins of at least
 * 1e-3, so no float difference can flip them.
 */
class HuggingFaceParityTest {

    static final double PER_TOKEN = 1e-4;

    /** Families plus the LoRA adapters Retention applies (DoRA and IA3 are refused, see AdapterRefusalTest). */
    static Stream<String> fixtures() {
        return Stream.concat(Fixtures.hfNames().stream(),
                Stream.of("adapter-llama-lora", "adapter-llama-rslora", "adapter-gpt2-lora"));
    }

    static JsonObject reference(String fixture) throws IOException {
        Path p = fixture.startsWith("adapter-") ? Fixtures.adapterReference(fixture.substring("adapter-".length()))
                : Fixtures.hfReference(fixture);
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    static CausalLm load(String fixture, JsonObject ref) {
        ModelOptions options = ModelOptions.defaults().withDevice("cpu")
                .withContextLength(ref.get("contextLength").getAsInt());
        if (fixture.startsWith("adapter-")) {
            return CausalLm.load(Fixtures.adapter(fixture.substring("adapter-".length())),
                    options.withBase(Fixtures.hf(ref.get("baseFixture").getAsString())));
        }
        return CausalLm.load(Fixtures.hf(fixture), options);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void logProbabilitiesAndArgmaxesMatchTransformersPerToken(String fixture) throws IOException {
        JsonObject ref = reference(fixture);
        JsonArray requests = ref.getAsJsonArray("loglikelihood");
        try (CausalLm lm = load(fixture, ref)) {
            List<ScoreRow> rows = scoreRows(requests);
            double worst = 0;
            for (int start = 0; start < rows.size(); start += 16) {
                List<ScoreRow> batch = rows.subList(start, Math.min(rows.size(), start + 16));
                List<TokenScores> got = lm.score(batch, false);
                List<TokenScores> shared = lm.score(batch, true);
                for (int i = 0; i < batch.size(); i++) {
                    JsonObject q = requests.get(start + i).getAsJsonObject();
                    String what = fixture + " " + q.get("id").getAsString();
                    double[] expected = doubles(q.getAsJsonArray("logprobs"));
                    for (int j = 0; j < expected.length; j++) {
                        assertThat(got.get(i).logProbs()[j]).as(what + " token " + j)
                                .isCloseTo(expected[j], within(PER_TOKEN));
                        assertThat(shared.get(i).logProbs()[j]).as(what + " token " + j + ", shared prefix")
                                .isCloseTo(got.get(i).logProbs()[j], within(PER_TOKEN));
                        worst = Math.max(worst, Math.abs(got.get(i).logProbs()[j] - expected[j]));
                    }
                    assertThat(got.get(i).argmax()).as(what + " argmax").containsExactly(ints(q.getAsJsonArray("argmax")));
                    assertThat(got.get(i).allGreedy()).as(what + " greedy").isEqualTo(q.get("greedy").getAsBoolean());
                }
            }
            System.out.printf("parity %-22s %s: %d requests, worst |Java - transformers| per token %.2e%n", fixture,
                    lm.kind(), rows.size(), worst);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void rollingWindowsMatchTransformersPerToken(String fixture) throws IOException {
        JsonObject ref = reference(fixture);
        JsonObject rolling = ref.getAsJsonObject("rolling");
        try (CausalLm lm = load(fixture, ref)) {
            int[] ids = ints(rolling.getAsJsonArray("tokenIds"));
            assertThat(lm.tokenizer().encode(rolling.get("text").getAsString())).containsExactly(ids);
            double[] expected = doubles(rolling.getAsJsonArray("logprobs"));
            int ctx = ref.get("contextLength").getAsInt();
            int prefix = ref.get("prefixTokenId").getAsInt();
            List<ScoreRow> rows = new ArrayList<>();
            // disjoint windows as lm-evaluation-harness makes them (RollingWindows in the eval layer)
            int first = Math.min(ctx, ids.length);
            int[] in0 = new int[first];
            in0[0] = prefix;
            System.arraycopy(ids, 0, in0, 1, first - 1);
            rows.add(new ScoreRow(in0, 0, java.util.Arrays.copyOfRange(ids, 0, first)));
            for (int done = first; done < ids.length; ) {
                int len = Math.min(ids.length - done, ctx);
                int end = done + len;
                int[] in = java.util.Arrays.copyOfRange(ids, end - ctx - 1, end - 1);
                rows.add(new ScoreRow(in, in.length - len, java.util.Arrays.copyOfRange(ids, end - len, end)));
                done = end;
            }
            assertThat(rows).hasSize(rolling.get("windows").getAsInt());
            int k = 0;
            for (TokenScores s : lm.score(rows)) {
                for (double lp : s.logProbs()) {
                    assertThat(lp).as(fixture + " rolling token " + k).isCloseTo(expected[k], within(PER_TOKEN));
                    k++;
                }
            }
            assertThat(k).isEqualTo(expected.length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void greedyGenerationInOneLeftPaddedBatchMatchesTransformersGenerate(String fixture) throws IOException {
        JsonObject ref = reference(fixture);
        JsonObject gen = ref.getAsJsonObject("generate");
        int maxNew = gen.get("maxNewTokens").getAsInt();
        int eos = ref.get("eosTokenId").getAsInt();
        JsonArray prompts = gen.getAsJsonArray("prompts");
        try (CausalLm lm = load(fixture, ref)) {
            List<int[]> in = new ArrayList<>();
            for (JsonElement p : prompts) {
                in.add(ints(p.getAsJsonObject().getAsJsonArray("promptTokens")));
            }
            List<List<Integer>> out = GreedyRun.run(lm, in, maxNew, eos);
            for (int i = 0; i < prompts.size(); i++) {
                JsonObject p = prompts.get(i).getAsJsonObject();
                assertThat(out.get(i)).as(fixture + " " + p.get("id").getAsString())
                        .containsExactly(boxed(ints(p.getAsJsonArray("tokens"))));
            }
        }
    }

    /** Greedy decoding until EOS or the budget, all prompts in one batch, finished rows dropped. */
    static final class GreedyRun {
        static List<List<Integer>> run(CausalLm lm, List<int[]> prompts, int maxNew, int eos) {
            List<List<Integer>> out = new ArrayList<>();
            prompts.forEach(p -> out.add(new ArrayList<>()));
            List<Integer> active = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                active.add(i);
            }
            try (GreedySession s = lm.greedy(prompts)) {
                int[] next = s.next(null);
                while (true) {
                    List<Integer> still = new ArrayList<>();
                    List<Integer> keep = new ArrayList<>();
                    List<Integer> appended = new ArrayList<>();
                    for (int k = 0; k < active.size(); k++) {
                        int row = active.get(k);
                        if (next[k] == eos) {
                            continue;
                        }
                        out.get(row).add(next[k]);
                        if (out.get(row).size() < maxNew) {
                            still.add(row);
                            keep.add(k);
                            appended.add(next[k]);
                        }
                    }
                    if (still.isEmpty()) {
                        return out;
                    }
                    if (still.size() < active.size()) {
                        s.keep(keep.stream().mapToInt(Integer::intValue).toArray());
                    }
                    active = still;
                    next = s.next(appended.stream().mapToInt(Integer::intValue).toArray());
                }
            }
        }
    }

    /** The reference's log-likelihood requests as score rows: each input, its continuation the targets. */
    static List<ScoreRow> scoreRows(JsonArray requests) {
        List<ScoreRow> rows = new ArrayList<>();
        for (JsonElement e : requests) {
            JsonObject q = e.getAsJsonObject();
            int[] input = ints(q.getAsJsonArray("input"));
            int[] cont = ints(q.getAsJsonArray("continuationTokens"));
            rows.add(new ScoreRow(input, input.length - cont.length, cont));
        }
        return rows;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static Integer[] boxed(int[] a) {
        return java.util.Arrays.stream(a).boxed().toArray(Integer[]::new);
    }

    static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
