package dev.retention.stats;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * The two one-sided questions a margin test can answer about {@code Delta = acc(tuned) - acc(baseline)}
 * and a margin {@code delta >= 0}. A small p-value is evidence for the alternative {@code H1}.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public enum MarginHypothesis {

    /**
     * {@code H0: Delta >= -delta} versus {@code H1: Delta < -delta}. A small p-value shows the tuned
     * model lost more than {@code delta}; an assertion backed by it fails only when {@code p <= alpha},
     * so a small, noisy suite does not fail by chance more often than {@code alpha}.
     */
    FORGETTING_BEYOND_MARGIN(ExactUnconditional.Tail.LOWER),

    /**
     * Classic non-inferiority: {@code H0: Delta <= -delta} versus {@code H1: Delta > -delta}. A small
     * p-value shows that any drop is within {@code delta}; an assertion backed by it passes only when
     * {@code p <= alpha}, so the burden of proof is on retention.
     */
    RETENTION_WITHIN_MARGIN(ExactUnconditional.Tail.UPPER);

    private final ExactUnconditional.Tail tail;

    MarginHypothesis(ExactUnconditional.Tail tail) {
        this.tail = tail;
    }

    ExactUnconditional.Tail tail() {
        return tail;
    }
}
