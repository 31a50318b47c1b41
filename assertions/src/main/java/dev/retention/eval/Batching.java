package dev.retention.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Length-sorted batching with the original order restored (lm-evaluation-harness
 * {@code Collator}): longest first, so an out-of-memory batch shows up at once and padding is
 * small; ties keep input order, so the grouping is deterministic.
 *
 * <p>A batch is filled up to a token budget (rows × longest row) and a group limit, so short
 * inputs travel in large batches and long ones in small batches, instead of every batch holding
 * a fixed number of rows padded to its longest. Inputs of one group (the choices of one
 * multiple-choice item) stay next to each other, so their shared context can run once.
 *
 * <p>Given an executor (the stream threads), batches run concurrently on it (the batches and their
 * contents are the same as with one); outputs still come back in input order, and a failure is the
 * failure of the first failing batch in batch order, rethrown as thrown.
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
        return run(inputs, length, i -> i, batchSize, Long.MAX_VALUE, work, null);
    }

    /**
     * As {@link #run(List, int, ToIntFunction, Function)}, the batches on {@code executor} (on the calling
     * thread when it is {@code null}).
     */
    static <I, O> List<O> run(List<I> inputs, int batchSize, ToIntFunction<I> length,
                              Function<List<I>, List<O>> work, Executor executor) {
        return run(inputs, length, i -> i, null, batchSize, Long.MAX_VALUE, work, null, executor);
    }

    /**
     * Runs {@code work} over length-sorted batches and returns the outputs in input order.
     *
     * @param group the group of input i (inputs of one group are batched next to each other, ordered by
     *     their group's longest member); {@code i -> i} for none
     * @param maxGroups at most this many groups per batch (inputs, when each is its own group): the members
     *     of a group run as one packed row on models that share prefixes
     * @param tokenBudget at most this many token slots (rows × longest row) per batch; one input longer
     *     than the budget runs alone
     * @param padding if not null, {@code padding[0]} and {@code padding[1]} grow by the real tokens and
     *     the token slots (rows × longest row) of every batch
     */
    static <I, O> List<O> run(List<I> inputs, ToIntFunction<I> length, java.util.function.IntUnaryOperator group,
                              int maxGroups, long tokenBudget, Function<List<I>, List<O>> work, long[] padding) {
        return run(inputs, length, group, null, maxGroups, tokenBudget, work, padding);
    }

    /**
     * As above, with groups ordered by {@code groupCost} (descending) instead of their longest member:
     * the length of the one packed row a group becomes on models that share prefixes, so that a batch
     * holds groups of similar packed length.
     */
    static <I, O> List<O> run(List<I> inputs, ToIntFunction<I> length, java.util.function.IntUnaryOperator group,
                              java.util.function.IntUnaryOperator groupCost, int maxGroups, long tokenBudget,
                              Function<List<I>, List<O>> work, long[] padding) {
        return run(inputs, length, group, groupCost, maxGroups, tokenBudget, work, padding, null);
    }

    /** As above, the batches on {@code executor} (on the calling thread when it is {@code null}). */
    static <I, O> List<O> run(List<I> inputs, ToIntFunction<I> length, java.util.function.IntUnaryOperator group,
                              java.util.function.IntUnaryOperator groupCost, int maxGroups, long tokenBudget,
                              Function<List<I>, List<O>> work, long[] padding, Executor executor) {
        int n = inputs.size();
        int[] len = new int[n];
        int groups = 0;
        for (int i = 0; i < n; i++) {
            len[i] = length.applyAsInt(inputs.get(i));
            groups = Math.max(groups, group.applyAsInt(i) + 1);
        }
        int[] groupLength = new int[groups];
        for (int i = 0; i < n; i++) {
            int g = group.applyAsInt(i);
            groupLength[g] = Math.max(groupLength[g], len[i]);
        }
        if (groupCost != null) {
            for (int g = 0; g < groups; g++) {
                groupLength[g] = groupCost.applyAsInt(g);
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -groupLength[group.applyAsInt(i)])
                .thenComparingInt(group::applyAsInt));
        List<int[]> bounds = new ArrayList<>();
        int start = 0;
        while (start < n) {
            int end = start + 1;
            int longest = len[order[start]];
            int groupsIn = 1;
            while (end < n) {
                boolean newGroup = group.applyAsInt(order[end]) != group.applyAsInt(order[end - 1]);
                if (newGroup && groupsIn == maxGroups
                        || (long) (end - start + 1) * Math.max(longest, len[order[end]]) > tokenBudget) {
                    break;
                }
                groupsIn += newGroup ? 1 : 0;
                longest = Math.max(longest, len[order[end]]);
                end++;
            }
            if (padding != null) {
                for (int k = start; k < end; k++) {
                    padding[0] += len[order[k]];
                }
                padding[1] += (long) longest * (end - start);
            }
            bounds.add(new int[] {start, end});
            start = end;
        }
        List<List<O>> results = executor == null || bounds.size() <= 1
                ? sequentially(inputs, order, bounds, work)
                : concurrently(inputs, order, bounds, work, executor);
        List<O> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(null);
        }
        for (int b = 0; b < bounds.size(); b++) {
            for (int k = bounds.get(b)[0]; k < bounds.get(b)[1]; k++) {
                out.set(order[k], results.get(b).get(k - bounds.get(b)[0]));
            }
        }
        return out;
    }

    private static <I> List<I> batch(List<I> inputs, Integer[] order, int[] bound) {
        List<I> batch = new ArrayList<>(bound[1] - bound[0]);
        for (int k = bound[0]; k < bound[1]; k++) {
            batch.add(inputs.get(order[k]));
        }
        return batch;
    }

    private static <I, O> List<List<O>> sequentially(List<I> inputs, Integer[] order, List<int[]> bounds,
                                                     Function<List<I>, List<O>> work) {
        List<List<O>> results = new ArrayList<>(bounds.size());
        for (int[] bound : bounds) {
            results.add(work.apply(batch(inputs, order, bound)));
        }
        return results;
    }

    private static <I, O> List<List<O>> concurrently(List<I> inputs, Integer[] order, List<int[]> bounds,
                                                     Function<List<I>, List<O>> work, Executor executor) {
        List<FutureTask<List<O>>> tasks = new ArrayList<>(bounds.size());
        for (int[] bound : bounds) {
            List<I> batch = batch(inputs, order, bound);
            FutureTask<List<O>> task = new FutureTask<>(() -> work.apply(batch));
            tasks.add(task);
            executor.execute(task);
        }
        List<List<O>> results = new ArrayList<>(bounds.size());
        try {
            for (FutureTask<List<O>> task : tasks) {
                results.add(task.get());
            }
            return results;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a batch");
        } finally {
            for (FutureTask<List<O>> task : tasks) {
                task.cancel(false); // batches not yet started do not start; running ones finish
            }
        }
    }
}
