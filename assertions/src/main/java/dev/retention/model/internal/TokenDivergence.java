package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Next-token distributions of two models compared at each target position of one row. Each array has
 * one entry per target of the row, in the row's order; the arrays are kept as given, not copied.
 *
 * @param kl {@code KL(p ‖ q) = Σ_v p(v) (log p(v) - log q(v))} in nats, p the reference model's
 *     next-token distribution and q the other's
 * @param logProbReference log p of the actual next token
 * @param logProbOther log q of the actual next token
 * @param targets the actual next tokens
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record TokenDivergence(double[] kl, double[] logProbReference, double[] logProbOther, int[] targets) {
}
