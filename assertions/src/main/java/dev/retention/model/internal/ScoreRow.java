package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * One row of a scoring batch: model input ids, and the target ids whose log-probabilities are
 * wanted at positions {@code firstTarget, firstTarget + 1, ...} (the logits at position p predict
 * the token after p).
 *
 * <p>The arrays are kept as given, not copied; equality is that of a record with array components
 * (the arrays' identity, not their content).
 *
 * @param input the model's input ids; not empty
 * @param firstTarget the input position whose logits predict {@code targets[0]}; {@code targets[j]} is
 *     predicted at position {@code firstTarget + j}
 * @param targets the ids whose log-probabilities are wanted; at least one, and the last one's position
 *     {@code firstTarget + targets.length - 1} must lie inside {@code input}
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ScoreRow(int[] input, int firstTarget, int[] targets) {

    /**
     * Checks that the row is well formed.
     *
     * @param input the model's input ids; not empty
     * @param firstTarget the input position whose logits predict {@code targets[0]}
     * @param targets the ids whose log-probabilities are wanted; at least one, all at positions inside
     *     {@code input}
     * @throws IllegalArgumentException when {@code input} is empty ("empty input row"), {@code targets} is
     *     empty, or the target positions fall outside {@code input} (the message names both ranges)
     * @throws NullPointerException when {@code input} or {@code targets} is null
     */
    public ScoreRow {
        if (input.length == 0) {
            throw new IllegalArgumentException("empty input row");
        }
        if (targets.length == 0) {
            throw new IllegalArgumentException("a row needs at least one target");
        }
        if (firstTarget < 0 || firstTarget + targets.length > input.length) {
            throw new IllegalArgumentException("targets at " + firstTarget + ".." + (firstTarget + targets.length - 1)
                    + " fall outside an input of " + input.length + " tokens");
        }
    }
}
