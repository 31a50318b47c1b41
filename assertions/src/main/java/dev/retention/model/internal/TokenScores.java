package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Per-target results of one {@link ScoreRow}: natural-log probabilities, the argmax token at each
 * position, and the targets they were compared with.
 */
@API(status = INTERNAL, since = "0.1")
public record TokenScores(double[] logProbs, int[] argmax, int[] targets) {

    /** Sum of the log-probabilities (natural log). */
    public double sum() {
        double s = 0;
        for (double v : logProbs) {
            s += v;
        }
        return s;
    }

    /** Whether every target is the argmax at its position (greedy decoding would produce it). */
    public boolean allGreedy() {
        for (int i = 0; i < targets.length; i++) {
            if (argmax[i] != targets[i]) {
                return false;
            }
        }
        return true;
    }
}
