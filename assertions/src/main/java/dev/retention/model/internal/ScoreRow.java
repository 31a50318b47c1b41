package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * One row of a scoring batch: model input ids, and the target ids whose log-probabilities are
 * wanted at positions {@code firstTarget, firstTarget + 1, ...} (the logits at position p predict
 * the token after p).
 */
@API(status = INTERNAL, since = "0.1")
public record ScoreRow(int[] input, int firstTarget, int[] targets) {

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
