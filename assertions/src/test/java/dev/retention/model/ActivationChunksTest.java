package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.retention.model.HuggingFaceParityTest.PER_TOKEN;
import static dev.retention.model.HuggingFaceParityTest.boxed;
import static dev.retention.model.HuggingFaceParityTest.doubles;
import static dev.retention.model.HuggingFaceParityTest.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A long pass computes its attention a few query positions at a time and its MLP a few token rows at a time
 * ({@link Transformer#CHUNK_ELEMENTS}). The fixtures are too small to reach the budget, so here it is far
 * smaller: one element (every query position and every token row a chunk of its own) for every family and
 * adapter, and 20,000 elements for some (at the fixtures' shapes a few query positions per chunk, grouped-query
 * heads stacked, and a hundred-odd token rows per MLP chunk, the last one partial). Through the masks of every
 * family (causal, sliding window, soft-capped, packed rows sharing a prefix) and the prefill of greedy
 * decoding, the results still agree with transformers as the unchunked pass does.
 */
class ActivationChunksTest {

    static Stream<Arguments> budgets() {
        return Stream.concat(HuggingFaceParityTest.fixtures().map(f -> Arguments.of(f, 1L)),
                Stream.of("llama", "mistral", "gemma2", "phi3", "gpt2", "qwen3", "adapter-llama-lora")
                        .map(f -> Arguments.of(f, 20_000L)));
    }

    @ParameterizedTest(name = "{0}, {1} elements per chunk")
    @MethodSource("budgets")
    void aFewQueriesAndRowsAtATimeStillMatchTransformers(String fixture, long budget) throws IOException {
        JsonObject ref = HuggingFaceParityTest.reference(fixture);
        try (CausalLm lm = HuggingFaceParityTest.load(fixture, ref)) {
            ((NativeLm) lm.backend()).transformer().chunkElements(budget);
            JsonArray requests = ref.getAsJsonArray("loglikelihood");
            List<ScoreRow> rows = HuggingFaceParityTest.scoreRows(requests);
            for (boolean share : new boolean[] {false, true}) {
                List<TokenScores> got = lm.score(rows, share);
                for (int i = 0; i < rows.size(); i++) {
                    JsonObject q = requests.get(i).getAsJsonObject();
                    String what = fixture + " " + q.get("id").getAsString() + (share ? ", shared prefix" : "");
                    double[] expected = doubles(q.getAsJsonArray("logprobs"));
                    for (int j = 0; j < expected.length; j++) {
                        assertThat(got.get(i).logProbs()[j]).as(what + " token " + j).isCloseTo(expected[j],
                                within(PER_TOKEN));
                    }
                    assertThat(got.get(i).argmax()).as(what + " argmax").containsExactly(ints(q.getAsJsonArray("argmax")));
                }
            }
            JsonObject gen = ref.getAsJsonObject("generate");
            JsonArray prompts = gen.getAsJsonArray("prompts");
            List<int[]> in = new ArrayList<>();
            for (JsonElement p : prompts) {
                in.add(ints(p.getAsJsonObject().getAsJsonArray("promptTokens")));
            }
            List<List<Integer>> out = HuggingFaceParityTest.GreedyRun.run(lm, in, gen.get("maxNewTokens").getAsInt(),
                    ref.get("eosTokenId").getAsInt());
            for (int i = 0; i < prompts.size(); i++) {
                JsonObject p = prompts.get(i).getAsJsonObject();
                assertThat(out.get(i)).as(fixture + " " + p.get("id").getAsString() + " generated")
                        .containsExactly(boxed(ints(p.getAsJsonArray("tokens"))));
            }
        }
    }
}
