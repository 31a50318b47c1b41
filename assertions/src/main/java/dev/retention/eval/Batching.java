package dev.retention.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Length-sorted batching with the original order restored (lm-evaluation-harness
 * {@code Collator}): longest first, so an out-of-memory batch shows up at once and padding is
 * small; ties keep input order, so the grouping is deterministic.
 */
final class Batching {

    private Batching() {
    }

    /**
     * Runs {@code work} over batches of at most {@code batchSize} inputs, sorted by descending
     * {@code length}, and returns the outputs in input order.
     */
    static <I, O> List<O> run(List<I> inputs, int batchSize, ToIntFunction<I> length,
                              Function<List<I>, List<O>> work) {
        Integer[] order = new Integer[inputs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -length.applyAsInt(inputs.get(i))));
        List<O> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            out.add(null);
        }
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<I> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(inputs.get(order[k]));
            }
            List<O> res = work.apply(batch);
            for (int k = start; k < end; k++) {
                out.set(order[k], res.get(k - start));
            }
        }
        return out;
    }
}
