package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Per-target results of one {@link ScoreRow}: natural-log probabilities, the argmax token at each
 * position, and the targets they were compared with. Entry i of each array belongs to target i; the
 * arrays are kept as given, not copied.
 *
 * @param logProbs the natural-log probability of each target at its position (nats, at most 0)
 * @param argmax the most probable token id at each target's position
 * @param targets the target ids, as in the row's {@link ScoreRow#targets()}
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record TokenScores(double[] logProbs, int[] argmax, int[] targets) {

    /**
     * Sum of the log-probabilities (natural log): the log-probability of the whole target sequence.
     *
     * @return the sum in nats (at most 0); 0 when there are no targets
     */
    public double sum() {
        double s = 0;
        for (double v : logProbs) {
            s += v;
        }
        return s;
    }

    /**
     * Whether every target is the argmax at its position (greedy decoding would produce it).
     *
     * @return true when {@code argmax[i] == targets[i]} at every position (also when there are no targets)
     */
    public boolean allGreedy() {
        for (int i = 0; i < targets.length; i++) {
            if (argmax[i] != targets[i]) {
                return false;
            }
        }
        return true;
    }
}
