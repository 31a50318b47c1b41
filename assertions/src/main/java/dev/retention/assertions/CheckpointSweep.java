package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Picks a checkpoint the way a forgetting-aware early stop would (seed 004's
 * {@code ForgettingAwareTrainer}), after the fact: scores the baseline and every checkpoint of a
 * run on a general suite and a domain suite, and returns the last checkpoint before any general
 * category first dropped more than a budget.
 *
 * <pre>{@code
 * CheckpointSweep sweep = CheckpointSweep.of(base, checkpoints, general, domain);
 * ScoredModel pick = sweep.lastWithinBudget(0.10).orElseThrow();
 * }</pre>
 *
 * <p>Every suite category with scored items counts; all scoring happens in {@link #of}, and the
 * instance is immutable afterwards.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class CheckpointSweep {

    private final List<ScoredModel> checkpoints;
    private final ForgettingCurve general;
    private final ForgettingCurve domain;

    private CheckpointSweep(List<ScoredModel> checkpoints, ForgettingCurve general, ForgettingCurve domain) {
        this.checkpoints = checkpoints;
        this.general = general;
        this.domain = domain;
    }

    /**
     * Scores (or reuses the scorecards of) the baseline and the checkpoints, in training order.
     *
     * @param baseline the model the run started from
     * @param checkpoints the run's checkpoints in training order, baseline not included; copied
     * @param general the suite of general ability that must be kept (the budget applies to it)
     * @param domain the suite of the fine-tune's own task
     * @return the sweep, holding one {@link ForgettingCurve} per suite
     * @throws IllegalArgumentException when {@code checkpoints} is empty
     * @throws IllegalStateException when a checkpoint was scored with other settings than the baseline,
     *     or a recorded model has no scorecard of a suite
     */
    public static CheckpointSweep of(ScoredModel baseline, List<? extends ScoredModel> checkpoints, Suite general,
                                     Suite domain) {
        return new CheckpointSweep(List.copyOf(checkpoints), ForgettingCurve.of(baseline, checkpoints, general),
                ForgettingCurve.of(baseline, checkpoints, domain));
    }

    /**
     * The accuracies on the general suite.
     *
     * @return the forgetting curve of the baseline and the checkpoints on the general suite
     */
    public ForgettingCurve general() {
        return general;
    }

    /**
     * The accuracies on the domain suite.
     *
     * @return the forgetting curve of the baseline and the checkpoints on the domain suite
     */
    public ForgettingCurve domain() {
        return domain;
    }

    /**
     * The last checkpoint before any general category first dropped more than {@code budget}.
     *
     * @param budget the largest allowed drop of a general category from the baseline, in accuracy
     *     points (e.g. {@code 0.10})
     * @return that checkpoint (the last one when none exceeds the budget), or empty when already the
     *     first checkpoint exceeds it
     */
    public Optional<ScoredModel> lastWithinBudget(double budget) {
        OptionalInt t = general.lastWithinBudget(budget, general.categories());
        return t.isPresent() ? Optional.of(checkpoints.get(t.getAsInt() - 1)) : Optional.empty();
    }

    /**
     * The trade-off curve, also published for the report (see {@link RetentionEvents}) on every call.
     *
     * @param budget the largest allowed drop of a general category from the baseline, in accuracy
     *     points; it decides {@link TradeOff#chosen()}
     * @return the baseline's and every checkpoint's general retention, general mean and domain
     *     accuracy, and the checkpoint {@link #lastWithinBudget(double)} picks
     */
    public TradeOff tradeOff(double budget) {
        List<TradeOff.Point> points = new ArrayList<>();
        for (int t = 0; t <= general.checkpoints(); t++) {
            double worst = 0;
            double sum = 0;
            for (String c : general.categories()) {
                worst = Math.max(worst, general.accuracy(0, c) - general.accuracy(t, c));
                sum += general.accuracy(t, c);
            }
            double dom = 0;
            for (String c : domain.categories()) {
                dom += domain.accuracy(t, c);
            }
            points.add(new TradeOff.Point(general.names().get(t), 1 - Math.max(0, worst),
                    sum / general.categories().size(), dom / domain.categories().size()));
        }
        TradeOff curve = new TradeOff(general.names().get(0), budget, points, lastWithinBudget(budget).map(ScoredModel::name));
        RetentionEvents.publish(curve);
        return curve;
    }
}
