package dev.retention.assertions;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * How a retention assertion turns paired scores into a verdict.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public enum VerdictRule {

    /**
     * Plain comparison of the observed accuracies: retained iff {@code tuned >= baseline - δ}. The
     * table still shows the paired 95% CI and McNemar's p so a reader can judge the noise.
     */
    POINT_ESTIMATE("point estimate"),

    /**
     * Fails only when the data show forgetting beyond δ: exact unconditional test of
     * {@code H0: Δ >= -δ} (Tango's score; see {@link dev.retention.stats.PairedMarginTest}), failing
     * iff {@code p <= 1 - confidence}. With several categories the p-values are Holm-adjusted, so the
     * chance that an assertion fails while no category truly lost more than δ stays at most
     * {@code 1 - confidence}. Protects CI from flaky failures on small suites.
     */
    FAIL_ONLY_ON_EVIDENCE_OF_FORGETTING("fails only on evidence of forgetting"),

    /**
     * Passes only when the data show the drop is within δ: exact unconditional non-inferiority test
     * of {@code H0: Δ <= -δ}, passing iff {@code p <= 1 - confidence} in every selected category (an
     * intersection-union test, so no multiplicity adjustment is needed). Proof of retention.
     */
    PASS_ONLY_ON_EVIDENCE_OF_RETENTION("passes only on evidence of retention");

    private final String label;

    VerdictRule(String label) {
        this.label = label;
    }

    /**
     * How verdict tables, messages and summary lines name this rule.
     *
     * @return a short lower-case phrase, e.g. {@code point estimate}
     */
    public String label() {
        return label;
    }
}
