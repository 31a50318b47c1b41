package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * How a {@link MarginTestResult}'s p-value was computed.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public enum PValueMethod {

    /**
     * Exact unconditional: supremum over the nuisance parameter on the null boundary of the exact
     * trinomial probability of all tables with a statistic at least as extreme (Hsueh, Liu &amp; Chen
     * 2001; Berger &amp; Sidik 2003). Valid at every sample size: the type I error never exceeds
     * {@code alpha}.
     */
    EXACT_UNCONDITIONAL,

    /**
     * Large-sample normal approximation of the same Tango statistic: {@code Phi(Z)} or {@code 1 - Phi(Z)}.
     * Used above {@link PairedMarginTest#EXACT_MAX_ITEMS} items, where enumeration gets slow. It is not
     * a supremum over the nuisance parameter, so it is slightly less conservative: at 2000 items, for
     * p-values between 0.004 and 0.07, it was 2-12% (relative) below the exact p-value in the tests.
     * Its size is near nominal at such sizes but not guaranteed to stay below {@code alpha}.
     */
    ASYMPTOTIC
}
