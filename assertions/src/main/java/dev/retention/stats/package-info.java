/**
 * Paired statistics behind Retention's assertions: a fine-tuned model and its baseline are scored on
 * the same {@code n} items, giving per-item correctness {@code baseline[i]}, {@code tuned[i]}.
 *
 * <h2>Notation</h2>
 *
 * <ul>
 *   <li>{@code b} = #(baseline right, tuned wrong) = regressions; {@code c} = #(baseline wrong, tuned
 *       right) = improvements ({@link dev.retention.stats.PairedCounts}).
 *   <li>{@code Delta = acc(tuned) - acc(baseline) = (c - b) / n}; margin {@code delta >= 0} in accuracy
 *       points as a fraction (0.05 = five points).
 * </ul>
 *
 * <h2>Which test backs which DSL mode</h2>
 *
 * <table>
 *   <caption>Decision modes</caption>
 *   <tr><th>Mode</th><th>Hypotheses</th><th>Assertion outcome</th><th>Backed by</th></tr>
 *   <tr><td>forgetting beyond margin</td><td>{@code H0: Delta >= -delta} vs
 *       {@code H1: Delta < -delta}</td><td>fails only if {@code p <= alpha}</td>
 *       <td>{@link dev.retention.stats.PairedMarginTest#forgettingBeyondMargin}</td></tr>
 *   <tr><td>retention within margin (non-inferiority)</td><td>{@code H0: Delta <= -delta} vs
 *       {@code H1: Delta > -delta}</td><td>passes only if {@code p <= alpha}</td>
 *       <td>{@link dev.retention.stats.PairedMarginTest#retentionWithinMargin}</td></tr>
 * </table>
 *
 * <p>{@link dev.retention.stats.McNemar#exactOneSidedPValue} is the classical exact test of
 * {@code H0: Delta >= 0} conditional on the {@code b + c} discordant items (Q. McNemar, Psychometrika
 * 12:153-157, 1947). At {@code delta = 0} the forgetting test asks the same question unconditionally;
 * both are valid, neither p-value bounds the other, and for typical drops the unconditional test is
 * more powerful (0.84 vs 0.77 for a 10-point drop on 100 items, see the tests).
 *
 * <p>Both margin tests use Tango's score statistic (T. Tango, Stat. Med. 17:891-908, 1998)
 *
 * <pre>
 *   Z = (c - b + n delta) / sqrt( n (2 q~_c + delta (1 - delta)) ),
 *   q~_c = (-B + sqrt(B^2 + 8 n c delta (1 - delta))) / (4n),   B = -(b + c) + delta (2n - b + c),
 * </pre>
 *
 * with {@code q~_c} the restricted MLE of the improvement probability on {@code Delta = -delta}
 * (derivation in {@code TangoScore}). Up to {@link dev.retention.stats.PairedMarginTest#EXACT_MAX_ITEMS}
 * items the p-value is exact unconditional: the supremum, over the nuisance parameter on the null
 * boundary, of the trinomial probability of all tables with a statistic at least as extreme (H.-M.
 * Hsueh, J.-P. Liu &amp; J. J. Chen, Biometrics 57:478-483, 2001; R. L. Berger &amp; K. Sidik, Stat.
 * Methods Med. Res. 12:91-108, 2003; the same construction for a rate ratio in I. S. F. Chan, N.-S.
 * Tang, M.-L. Tang &amp; P.-S. Chan, Biometrics 59:1170-1177, 2003). Its type I error never exceeds
 * {@code alpha}. Above the cutoff the p-value is the normal approximation {@code Phi(Z)} or
 * {@code 1 - Phi(Z)}, and results say so ({@link dev.retention.stats.PValueMethod}).
 *
 * <h2>Intervals</h2>
 *
 * <ul>
 *   <li>{@link dev.retention.stats.Wilson}: score interval for one accuracy (E. B. Wilson, JASA
 *       22:209-212, 1927; A. Agresti &amp; B. A. Coull, Am. Stat. 52:119-126, 1998).
 *   <li>{@link dev.retention.stats.PairedBootstrap}: paired percentile bootstrap for {@code Delta} or
 *       any statistic of both models on the same resampled items, e.g. pooled log-perplexity ratios
 *       (B. Efron &amp; R. J. Tibshirani, An Introduction to the Bootstrap, 1993); type-7 quantiles
 *       (R. J. Hyndman &amp; Y. Fan, Am. Stat. 50:361-365, 1996).
 * </ul>
 *
 * <p>Everything is deterministic: the bootstrap takes a seed, the tests enumerate. Only the JDK is used;
 * the normal quantile (Acklam plus one Halley step on an accurate {@code erfc}) and binomial
 * probabilities (Loader 2000) are implemented here.
 */
package dev.retention.stats;
