package dev.retention.diagnostics.internal;

import dev.retention.eval.Evaluator;
import dev.retention.eval.TextDivergence;
import dev.retention.model.CausalLm;
import dev.retention.model.internal.LmTokenizer;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Label-free drift: the mean per-token {@code KL(baseline ‖ tuned)} of the two models' next-token
 * distributions over a general text (nats per token), and the tokens whose probability fell most
 * (largest {@code log p_baseline - log p_tuned} of the actual next token). Needs no labels, so it
 * catches forgetting that a suite misses.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class DistributionDrift {

    /**
     * A token whose probability fell.
     *
     * @param position the token's index among the text's token ids, from 0 (the token at 0 is predicted
     *     from the prefix token that stands in for an empty context)
     * @param context up to 40 characters of text before the token (decoded from at most the 12 tokens before
     *     it, then cut to its last 40 characters)
     * @param token the token's text
     * @param baselineProbability the baseline's probability of the token at that position, 0 to 1
     * @param tunedProbability the tuned model's probability of the token at that position, 0 to 1
     */
    @API(status = INTERNAL, since = "0.1")
    public record Fall(int position, String context, String token, double baselineProbability,
                       double tunedProbability) {
    }

    private final String tuned;
    private final String baseline;
    private final TextDivergence divergence;
    private final List<Fall> falls;

    private DistributionDrift(String tuned, String baseline, TextDivergence divergence, List<Fall> falls) {
        this.tuned = tuned;
        this.baseline = baseline;
        this.divergence = divergence;
        this.falls = falls;
    }

    /**
     * Compares the tuned model's next-token distributions with the baseline's on {@code text}. The text is
     * encoded with the baseline's tokenizer and scored in rolling windows of the smaller context length,
     * batched and reported as the baseline's evaluator is configured to.
     *
     * @param text the general text; must encode to at least one token
     * @param baseline the evaluator of the baseline model, the reference p of the divergence
     * @param tuned the fine-tuned model q; must share the baseline's tokenizer and vocabulary
     * @return the drift, with up to ten largest falls
     * @throws IllegalArgumentException when {@code text} encodes to no tokens, or when the two models'
     *     tokenizers or vocabularies differ (naming both models)
     */
    public static DistributionDrift on(String text, Evaluator baseline, CausalLm tuned) {
        TextDivergence d = baseline.nextTokenDivergence(tuned, text);
        LmTokenizer tok = baseline.model().tokenizer();
        Integer[] order = new Integer[d.tokens().length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> d.logProbOther()[i] - d.logProbReference()[i]));
        List<Fall> falls = new ArrayList<>();
        for (int k = 0; k < Math.min(10, order.length); k++) {
            int i = order[k];
            String before = tok.decode(Arrays.copyOfRange(d.tokens(), Math.max(0, i - 12), i));
            falls.add(new Fall(i, before.length() > 40 ? before.substring(before.length() - 40) : before,
                    tok.decode(new int[] {d.tokens()[i]}), Math.exp(d.logProbReference()[i]),
                    Math.exp(d.logProbOther()[i])));
        }
        return new DistributionDrift(tuned.name(), baseline.model().name(), d, List.copyOf(falls));
    }

    /**
     * The tuned model, by name.
     *
     * @return the tuned model's name
     */
    public String tuned() {
        return tuned;
    }

    /**
     * The baseline model, by name.
     *
     * @return the baseline model's name
     */
    public String baseline() {
        return baseline;
    }

    /**
     * Mean {@code KL(baseline ‖ tuned)} per token, nats.
     *
     * @return the mean over every token of the text, in nats (0 for identical distributions)
     */
    public double meanKl() {
        return divergence.meanKl();
    }

    /**
     * Number of tokens compared.
     *
     * @return the number of tokens the text encodes to (each predicted once)
     */
    public int tokens() {
        return divergence.tokens().length;
    }

    /**
     * The ten tokens whose probability fell most, largest fall first: ordered by
     * {@code log p_baseline - log p_tuned} of the token. A text of fewer tokens gives them all; when fewer
     * than ten tokens lost probability, the list ends with tokens whose probability rose.
     *
     * @return an unmodifiable list of at most ten falls
     */
    public List<Fall> largestFalls() {
        return falls;
    }
}
