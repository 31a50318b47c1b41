package dev.retention.stats;

import org.apiguardian.api.API;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * A statistic of two models evaluated on one bootstrap resample of the shared items. A resample is
 * given as multiplicities: {@code w[i]} is how often item {@code i} was drawn, {@code sum w[i] = n}.
 * Both models are always evaluated on the same {@code w}, which is what makes the bootstrap paired.
 *
 * <p>The array passed in is owned by the caller and reused for the next resample: read it, do not keep
 * it.
 *
 * @since 0.1
 */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
public interface PairedStatistic {

    /**
     * Evaluates the paired statistic on one resample.
     *
     * @param multiplicities {@code w[i]}, the number of copies of item {@code i} in the resample
     * @return the statistic, which must be finite
     */
    double evaluate(int[] multiplicities);

    /**
     * Paired difference {@code T_tuned(w) - T_baseline(w)}.
     *
     * @param tuned per-model statistic of the tuned model
     * @param baseline per-model statistic of the baseline model
     * @return the paired statistic
     */
    static PairedStatistic difference(ToDoubleFunction<int[]> tuned, ToDoubleFunction<int[]> baseline) {
        Objects.requireNonNull(tuned, "tuned");
        Objects.requireNonNull(baseline, "baseline");
        return w -> tuned.applyAsDouble(w) - baseline.applyAsDouble(w);
    }

    /**
     * Paired ratio {@code T_tuned(w) / T_baseline(w)}.
     *
     * @param tuned per-model statistic of the tuned model (numerator)
     * @param baseline per-model statistic of the baseline model (denominator)
     * @return the paired statistic
     */
    static PairedStatistic ratio(ToDoubleFunction<int[]> tuned, ToDoubleFunction<int[]> baseline) {
        Objects.requireNonNull(tuned, "tuned");
        Objects.requireNonNull(baseline, "baseline");
        return w -> tuned.applyAsDouble(w) / baseline.applyAsDouble(w);
    }

    /**
     * Resampled accuracy {@code sum_i w[i] correct[i] / sum_i w[i]} of one model.
     *
     * @param correct per-item correctness (copied)
     * @return the per-model statistic
     */
    static ToDoubleFunction<int[]> accuracy(boolean[] correct) {
        boolean[] copy = correct.clone();
        return w -> {
            long right = 0;
            long total = 0;
            for (int i = 0; i < copy.length; i++) {
                total += w[i];
                if (copy[i]) {
                    right += w[i];
                }
            }
            return (double) right / total;
        };
    }

    /**
     * Resampled pooled ratio {@code sum_i w[i] num[i] / sum_i w[i] den[i]} of one model, e.g. summed
     * negative log-likelihood over summed tokens (the log of a pooled perplexity).
     *
     * @param numerators per-item numerators (copied)
     * @param denominators per-item denominators, same length (copied)
     * @return the per-model statistic
     * @throws IllegalArgumentException if the lengths differ
     */
    static ToDoubleFunction<int[]> pooledRatio(double[] numerators, double[] denominators) {
        if (numerators.length != denominators.length) {
            throw new IllegalArgumentException("numerators and denominators differ in length: "
                    + numerators.length + " vs " + denominators.length);
        }
        double[] num = numerators.clone();
        double[] den = denominators.clone();
        return w -> {
            double top = 0.0;
            double bottom = 0.0;
            for (int i = 0; i < num.length; i++) {
                if (w[i] != 0) {
                    top += w[i] * num[i];
                    bottom += w[i] * den[i];
                }
            }
            return top / bottom;
        };
    }
}
