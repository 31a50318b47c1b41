package dev.retention.assertions;

import org.apiguardian.api.API;

import java.util.List;
import java.util.Optional;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * The trade-off along a fine-tuning run: per checkpoint, how much of the domain it learned against
 * how much general ability it kept.
 *
 * @param baseline the model the run started from
 * @param budget the largest allowed drop of any general category, in accuracy points (e.g. {@code 0.10})
 * @param points the baseline (first) and every checkpoint, in training order
 * @param chosen the name of the last checkpoint before the budget was first exceeded; empty when
 *     already the first checkpoint exceeds it
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record TradeOff(String baseline, double budget, List<Point> points, Optional<String> chosen) {

    /**
     * One model of the run: the baseline or a checkpoint.
     *
     * @param name model name
     * @param generalRetention {@code 1 - max_c (R[0][c] - R[t][c])}: 1 means no general category lost anything
     *     (a category that gained counts as losing nothing, so the value is at most 1)
     * @param generalMean mean accuracy over the general categories (each category weighs the same)
     * @param domainAccuracy accuracy on the domain suite: the mean of its categories' accuracies
     */
    @API(status = EXPERIMENTAL, since = "0.1")
    public record Point(String name, double generalRetention, double generalMean, double domainAccuracy) {
    }

    /**
     * Keeps an unmodifiable copy of {@code points}.
     *
     * @param baseline the model the run started from
     * @param budget the largest allowed drop of any general category
     * @param points the baseline (first) and every checkpoint, in training order; copied
     * @param chosen the name of the last checkpoint within the budget, or empty
     * @throws NullPointerException when {@code points}, or a point of it, is {@code null}
     */
    public TradeOff {
        points = List.copyOf(points);
    }
}
