package dev.retention.model;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * A model produced NaN or infinite logits: no score can be computed from them, so the scoring stops
 * instead of letting a NaN log-likelihood reach a scorecard or a verdict. The evaluation layer
 * rethrows it naming the request or suite item.
 *
 * <p>The message names the model, the row, the count of non-finite logits and a likely cause.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class NonFiniteLogitsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String model;
    private final int row;
    private final long count;

    NonFiniteLogitsException(String model, int row, long count, long total) {
        super(model + " produced " + count + " NaN or infinite logit(s) (of " + total + ") for row " + row
                + " of a batch; the weights are corrupt or overflow in float32 (a float16 export of a bfloat16 model?)");
        this.model = model;
        this.row = row;
        this.count = count;
    }

    /**
     * The model's name.
     *
     * @return the {@link CausalLm#name()} of the model whose logits were not finite
     */
    public String model() {
        return model;
    }

    /**
     * The row of the scored batch (the index into the rows passed to {@link CausalLm#score}).
     *
     * @return the zero-based index of the first row with non-finite logits
     */
    public int row() {
        return row;
    }

    /**
     * Number of non-finite values among the logits of that row's scored positions.
     *
     * @return how many of that row's logits are NaN or infinite, at least 1
     */
    public long count() {
        return count;
    }
}
