package dev.retention.eval;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Two models' next-token distributions compared at every token of a text (each token predicted
 * once, from the same disjoint rolling windows as the rolling log-likelihood).
 *
 * @param tokens the text's token ids; entry i is the token predicted at step i
 * @param kl {@code KL(p ‖ q)} in nats at each step, p the reference model, q the other
 * @param logProbReference log p of the actual token
 * @param logProbOther log q of the actual token
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record TextDivergence(int[] tokens, double[] kl, double[] logProbReference, double[] logProbOther) {

    /**
     * Mean KL per token, in nats.
     *
     * @return the arithmetic mean of {@code kl}; NaN when {@code kl} is empty
     */
    public double meanKl() {
        double s = 0;
        for (double v : kl) {
            s += v;
        }
        return s / kl.length;
    }
}
