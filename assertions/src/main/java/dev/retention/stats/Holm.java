package dev.retention.stats;

import org.apiguardian.api.API;

import java.util.Arrays;
import java.util.Comparator;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Holm's (1979) step-down adjustment of p-values for a family of tests, controlling the
 * family-wise error rate at any level without assumptions about their dependence.
 *
 * <p>With the m p-values sorted ascending, {@code p(1) <= ... <= p(m)}, the adjusted values are
 * {@code p~(i) = max_{j <= i} min(1, (m - j + 1) p(j))}; rejecting every hypothesis with
 * {@code p~ <= alpha} keeps the chance of any false rejection at most {@code alpha}.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Holm {

    private Holm() {
    }

    /**
     * The Holm-adjusted p-values, in the order given.
     *
     * @param pValues the family's raw p-values, each in {@code [0, 1]}; not modified (an empty array gives an
     *     empty result)
     * @return a new array whose element {@code i} is the adjusted p-value of {@code pValues[i]}, in
     *     {@code [pValues[i], 1]}
     * @throws IllegalArgumentException if a p-value is NaN or outside {@code [0, 1]} (the message names its
     *     index and value)
     */
    public static double[] adjust(double[] pValues) {
        int m = pValues.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            double p = pValues[i];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("p-value " + i + " is not in [0, 1]: " + p);
            }
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> pValues[i]));
        double[] out = new double[m];
        double running = 0;
        for (int k = 0; k < m; k++) {
            int i = order[k];
            running = Math.max(running, Math.min(1.0, (m - k) * pValues[i]));
            out[i] = running;
        }
        return out;
    }
}
