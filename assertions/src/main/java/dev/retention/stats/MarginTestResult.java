package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Outcome of a paired margin test ({@link PairedMarginTest}).
 *
 * @param hypothesis which one-sided alternative was tested
 * @param margin the margin {@code delta}, as a fraction (0.05 = five accuracy points)
 * @param n number of paired items
 * @param regressions {@code b}: baseline right, tuned wrong
 * @param improvements {@code c}: baseline wrong, tuned right
 * @param statistic Tango's score {@code Z = (c - b + n delta) / sqrt(n (2 q~_c + delta (1 - delta)))}
 * @param pValue the one-sided p-value for {@code hypothesis}, in {@code [0, 1]}
 * @param method how the p-value was computed
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record MarginTestResult(
        MarginHypothesis hypothesis,
        double margin,
        int n,
        int regressions,
        int improvements,
        double statistic,
        double pValue,
        PValueMethod method) {

    /**
     * Whether the null hypothesis is rejected at level {@code alpha}, i.e. {@code pValue <= alpha}. For
     * {@link MarginHypothesis#FORGETTING_BEYOND_MARGIN} that means "forgetting shown"; for
     * {@link MarginHypothesis#RETENTION_WITHIN_MARGIN} it means "retention shown".
     *
     * @param alpha significance level in {@code (0, 1)}
     * @return true if {@code pValue <= alpha}
     */
    public boolean rejects(double alpha) {
        return pValue <= Checks.alpha(alpha);
    }

    /**
     * Observed {@code Delta = (c - b) / n}.
     *
     * @return the accuracy difference tuned minus baseline
     */
    public double observedDifference() {
        return (double) (improvements - regressions) / n;
    }
}
