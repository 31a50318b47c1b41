package dev.retention.assertions;

import dev.retention.diagnostics.internal.FisherDrift;
import dev.retention.eval.Evaluator;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Did the weights that matter for general ability move? ({@link FisherDrift})
 *
 * <pre>{@code
 * assertThatModel(tuned).fisherWeightedDriftFrom(base).on(generalSuite).isAtMost(0.5);
 * }</pre>
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public class FisherDriftAssert extends ChainedAssert<FisherDriftAssert, WeightComparison> {

    FisherDriftAssert(WeightComparison actual) {
        super(actual, FisherDriftAssert.class);
    }

    /**
     * The suite whose reference answers define the baseline's Fisher (default: the models' default suite).
     *
     * @param suite the suite to estimate the baseline's Fisher information on
     * @return a Fisher-drift assertion on {@code suite}, to finish with {@code isAtMost(max)}
     */
    @CheckReturnValue
    public FisherDriftAssert on(Suite suite) {
        return Navigation.next(advance(), actual.softly(), FisherDriftAssert.class, WeightComparison.class,
                new WeightComparison(actual.tuned(), actual.baseline(), Optional.of(suite), actual.softly()),
                FisherDriftAssert::new, info.description());
    }

    /**
     * {@code Σ_i F_i (θ_i - θ*_i)²} over all weights is at most {@code max}, with {@code F} the
     * baseline's diagonal Fisher on the suite. Half the value approximates, to second order, the
     * extra loss per item in nats. A failure names the top layers; the verdict is published as a
     * {@link DiagnosticVerdict} of kind {@code fisher}, pass or fail.
     *
     * @param max the largest allowed Fisher-weighted drift
     * @return this assertion, for chaining
     * @throws IllegalArgumentException when {@code max} is negative or NaN
     * @throws IllegalStateException when no suite was chosen with {@code on(suite)} and neither model
     *     has a default suite, or when either model is a recorded scorecard
     */
    public FisherDriftAssert isAtMost(double max) {
        conclude();
        if (!(max >= 0)) {
            throw new IllegalArgumentException("the Fisher-weighted drift bound must be at least 0, got " + max);
        }
        isNotNull();
        Suite suite = actual.suite().or(actual.tuned()::defaultSuite).or(actual.baseline()::defaultSuite)
                .orElseThrow(() -> new IllegalStateException("no suite for the Fisher estimate: call on(suite)"));
        Evaluator baseline = actual.baseline().evaluator().orElseThrow(() -> new IllegalStateException(
                "the Fisher-weighted drift needs the loaded baseline model (its gradients on " + suite.name()
                        + "), but " + actual.baseline().name() + " is a recorded scorecard; declare the baseline model "
                        + "itself (e.g. @RetentionTest(baseline = \"path/to/model\") or ScoredModel.of(CausalLm))"));
        FisherDrift f = FisherDrift.between(WeightComparison.loaded(actual.tuned()), baseline, suite);
        List<String> details = f.topLayers(5).stream()
                .map(l -> l.name() + ": " + DiagnosticVerdict.number(l.value())).toList();
        boolean ok = f.total() <= max;
        RetentionEvents.publish(new DiagnosticVerdict("fisher", f.tuned(), f.baseline(),
                "Fisher-weighted drift on " + f.suite() + " (" + f.samples() + " requests)", f.total(),
                "≤ " + DiagnosticVerdict.number(max), ok, details));
        if (!ok) {
            failWithMessage("%s", String.format(Locale.ROOT, "Expected the Fisher-weighted drift Σ F·(θ-θ*)² of %s from %s "
                    + "on %s to be at most %s, but it is %s (≈ %s nats of extra loss per item to second order). "
                    + "Top layers:%n  %s", f.tuned(), f.baseline(), f.suite(), DiagnosticVerdict.number(max),
                    DiagnosticVerdict.number(f.total()), DiagnosticVerdict.number(f.total() / 2),
                    String.join("\n  ", details)));
        }
        return myself;
    }
}
