package dev.retention.assertions;

import dev.retention.stats.Interval;
import org.apiguardian.api.API;

import java.util.List;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * One row of a retention (or improvement) verdict: the paired comparison of a category.
 *
 * @param tuned tuned model name
 * @param baseline baseline model name
 * @param suite suite name
 * @param category category name, or {@code overall} for all items pooled
 * @param n paired items
 * @param baselineAccuracy baseline accuracy
 * @param tunedAccuracy tuned accuracy
 * @param regressions items the baseline passed and the tuned model failed (McNemar's b)
 * @param improvements items the baseline failed and the tuned model passed (McNemar's c)
 * @param ci paired-bootstrap 95% interval of {@code tuned - baseline} (10 000 resamples, seed 1234)
 * @param pValue the p-value named by {@code pValueName}
 * @param pValueName which test {@code pValue} comes from
 * @param threshold the accuracy the tuned model is held to (point estimate), for display; {@code NaN}
 *     when there is none (canaries)
 * @param tolerance the tolerance as written, e.g. {@code δ = 0.05}
 * @param rule how the verdict was reached
 * @param passed the verdict
 * @param newlyFailing items the baseline passed and the tuned model failed, in suite order
 * @param truncated ids of the compared items whose prompt was left-truncated to the context window
 *     for either model, in suite order
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record CategoryVerdict(String tuned, String baseline, String suite, String category, int n,
                              double baselineAccuracy, double tunedAccuracy, int regressions, int improvements,
                              Interval ci, double pValue, String pValueName, double threshold, String tolerance,
                              VerdictRule rule, boolean passed, List<ItemChange> newlyFailing, List<String> truncated) {

    /**
     * Keeps unmodifiable copies of {@code newlyFailing} and {@code truncated}.
     *
     * @param tuned tuned model name
     * @param baseline baseline model name
     * @param suite suite name
     * @param category category name, or {@code overall} for all items pooled
     * @param n paired items
     * @param baselineAccuracy baseline accuracy
     * @param tunedAccuracy tuned accuracy
     * @param regressions items the baseline passed and the tuned model failed
     * @param improvements items the baseline failed and the tuned model passed
     * @param ci paired-bootstrap interval of {@code tuned - baseline}
     * @param pValue the p-value named by {@code pValueName}
     * @param pValueName which test {@code pValue} comes from
     * @param threshold the accuracy the tuned model is held to, or {@code NaN} when there is none
     * @param tolerance the tolerance as written
     * @param rule how the verdict was reached
     * @param passed the verdict
     * @param newlyFailing items the baseline passed and the tuned model failed, in suite order; copied
     * @param truncated ids of the compared items whose prompt was left-truncated, in suite order; copied
     * @throws NullPointerException when either list, or an element of it, is {@code null}
     */
    public CategoryVerdict {
        newlyFailing = List.copyOf(newlyFailing);
        truncated = List.copyOf(truncated);
    }

    /**
     * A row in which no prompt was truncated.
     *
     * @param tuned tuned model name
     * @param baseline baseline model name
     * @param suite suite name
     * @param category category name, or {@code overall} for all items pooled
     * @param n paired items
     * @param baselineAccuracy baseline accuracy
     * @param tunedAccuracy tuned accuracy
     * @param regressions items the baseline passed and the tuned model failed
     * @param improvements items the baseline failed and the tuned model passed
     * @param ci paired-bootstrap interval of {@code tuned - baseline}
     * @param pValue the p-value named by {@code pValueName}
     * @param pValueName which test {@code pValue} comes from
     * @param threshold the accuracy the tuned model is held to, or {@code NaN} when there is none
     * @param tolerance the tolerance as written
     * @param rule how the verdict was reached
     * @param passed the verdict
     * @param newlyFailing items the baseline passed and the tuned model failed, in suite order; copied
     */
    public CategoryVerdict(String tuned, String baseline, String suite, String category, int n,
                           double baselineAccuracy, double tunedAccuracy, int regressions, int improvements,
                           Interval ci, double pValue, String pValueName, double threshold, String tolerance,
                           VerdictRule rule, boolean passed, List<ItemChange> newlyFailing) {
        this(tuned, baseline, suite, category, n, baselineAccuracy, tunedAccuracy, regressions, improvements, ci, pValue,
                pValueName, threshold, tolerance, rule, passed, newlyFailing, List.of());
    }

    /**
     * {@code tuned - baseline}.
     *
     * @return the tuned accuracy minus the baseline's, in {@code [-1, 1]}; negative when the tuned
     *     model scores lower
     */
    public double delta() {
        return tunedAccuracy - baselineAccuracy;
    }

    /**
     * One line for logs and Surefire's system-out.
     *
     * @return the row on one line: models, suite and category, accuracies, {@code delta}, interval,
     *     p-value, tolerance, rule and {@code PASS} or {@code FAIL} (numbers in the root locale)
     */
    public String summaryLine() {
        return String.format(java.util.Locale.ROOT,
                "retention: %s vs %s | %s/%s | n=%d baseline=%.3f tuned=%.3f delta=%+.3f 95%%CI=[%+.3f, %+.3f] "
                        + "p=%s (%s) | %s, %s | %s",
                tuned, baseline, suite, category, n, baselineAccuracy, tunedAccuracy, delta(), ci.lower(), ci.upper(),
                VerdictTable.formatP(pValue), pValueName, tolerance, rule.label(), passed ? "PASS" : "FAIL");
    }
}
