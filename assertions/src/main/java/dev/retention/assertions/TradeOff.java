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
 * @param budget the largest allowed drop of any general category
 * @param points the baseline (first) and every checkpoint, in training order
 * @param chosen the last checkpoint before the budget was first exceeded, if any
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record TradeOff(String baseline, double budget, List<Point> points, Optional<String> chosen) {

    /**
     * @param name model name
     * @param generalRetention {@code 1 - max_c (R[0][c] - R[t][c])}: 1 means no general category lost anything
     * @param generalMean mean accuracy over the general categories
     * @param domainAccuracy accuracy on the domain suite
     */
    @API(status = EXPERIMENTAL, since = "0.1")
    public record Point(String name, double generalRetention, double generalMean, double domainAccuracy) {
    }

    public TradeOff {
        points = List.copyOf(points);
    }
}
