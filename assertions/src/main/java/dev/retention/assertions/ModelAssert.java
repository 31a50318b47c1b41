package dev.retention.assertions;

import dev.retention.eval.Scorecard;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import org.assertj.core.api.AbstractAssert;

import java.nio.file.Path;
import java.util.Optional;

/** Assertions about one model: what it retains from, or how it improves on, a baseline. */
public class ModelAssert extends AbstractAssert<ModelAssert, ModelSubject> {

    public ModelAssert(ModelSubject actual) {
        super(actual, ModelAssert.class);
    }

    /** Compares on {@code suite} instead of the models' default suite. */
    public ModelAssert on(Suite suite) {
        return Navigation.next(actual.softly(), ModelAssert.class, ModelSubject.class,
                new ModelSubject(actual.model(), Optional.of(suite), actual.softly()), ModelAssert::new,
                info.description());
    }

    /** Starts a retention assertion against {@code baseline}, by default a point comparison. */
    public RetentionAssert retains(ScoredModel baseline) {
        return Navigation.next(actual.softly(), RetentionAssert.class, Comparison.class, comparison(baseline),
                RetentionAssert::new, info.description());
    }

    public RetentionAssert retains(CausalLm baseline) {
        return retains(Navigation.live(baseline));
    }

    /** Retention against a recorded baseline scorecard (the baseline model need not be loaded). */
    public RetentionAssert retains(Scorecard recordedBaseline) {
        return retains(ScoredModel.recorded(recordedBaseline));
    }

    /** Retention against a recorded baseline scorecard file written by {@link Scorecard#write(Path)}. */
    public RetentionAssert retains(Path recordedBaselineFile) {
        return retains(ScoredModel.recorded(recordedBaselineFile));
    }

    /** Starts an assertion that the fine-tune learned its job: it scores higher than {@code baseline}. */
    public ImprovementAssert improvesOn(ScoredModel baseline) {
        return Navigation.next(actual.softly(), ImprovementAssert.class, Comparison.class, comparison(baseline),
                ImprovementAssert::new, info.description());
    }

    public ImprovementAssert improvesOn(CausalLm baseline) {
        return improvesOn(Navigation.live(baseline));
    }

    public ImprovementAssert improvesOn(Scorecard recordedBaseline) {
        return improvesOn(ScoredModel.recorded(recordedBaseline));
    }

    /** Weight-space comparison with {@code baseline}: drift, frozen parameters, rank of the changes. */
    public WeightsAssert weightsComparedTo(ScoredModel baseline) {
        return Navigation.next(actual.softly(), WeightsAssert.class, WeightComparison.class,
                new WeightComparison(actual.model(), baseline, actual.suite(), actual.softly()), WeightsAssert::new,
                info.description());
    }

    public WeightsAssert weightsComparedTo(CausalLm baseline) {
        return weightsComparedTo(Navigation.live(baseline));
    }

    /** Fisher-weighted drift from {@code baseline}, the importance measure behind EWC. */
    public FisherDriftAssert fisherWeightedDriftFrom(ScoredModel baseline) {
        return Navigation.next(actual.softly(), FisherDriftAssert.class, WeightComparison.class,
                new WeightComparison(actual.model(), baseline, actual.suite(), actual.softly()), FisherDriftAssert::new,
                info.description());
    }

    public FisherDriftAssert fisherWeightedDriftFrom(CausalLm baseline) {
        return fisherWeightedDriftFrom(Navigation.live(baseline));
    }

    /** Label-free drift: next-token KL(baseline ‖ this model) on a text, chosen with {@code onText}. */
    public DivergenceAssert nextTokenDivergenceFrom(ScoredModel baseline) {
        return Navigation.next(actual.softly(), DivergenceAssert.class, TextComparison.class,
                new TextComparison(comparison(baseline), "text", TextComparison.UNSET), DivergenceAssert::new,
                info.description());
    }

    public DivergenceAssert nextTokenDivergenceFrom(CausalLm baseline) {
        return nextTokenDivergenceFrom(Navigation.live(baseline));
    }

    private Comparison comparison(ScoredModel baseline) {
        return new Comparison(actual.model(), baseline, actual.suite(), VerdictRule.POINT_ESTIMATE, 0.95,
                actual.softly());
    }
}
