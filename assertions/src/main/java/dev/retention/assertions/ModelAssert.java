package dev.retention.assertions;

import dev.retention.eval.Scorecard;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;

import java.nio.file.Path;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Assertions about one model: what it retains from, or how it improves on, a baseline. Created by
 * {@link RetentionAssertions#assertThatModel(ScoredModel)} and its overloads; each step returns a new
 * assertion and leaves this one unchanged.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class ModelAssert extends ChainedAssert<ModelAssert, ModelSubject> {

    ModelAssert(ModelSubject actual) {
        super(actual, ModelAssert.class);
    }

    /**
     * Compares on {@code suite} instead of the models' default suite.
     *
     * @param suite the suite later comparisons in this chain are judged on (for the Fisher-weighted
     *     drift, the suite its estimate is computed on)
     * @return a model assertion on {@code suite}, for chaining
     */
    @CheckReturnValue
    public ModelAssert on(Suite suite) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), ModelAssert.class, ModelSubject.class,
                new ModelSubject(actual.model(), Optional.of(suite), actual.softly(), actual.sameModelAllowed()),
                ModelAssert::new, info.description());
    }

    /**
     * Allows comparing the model with itself (same fingerprint), which is otherwise refused as a
     * misconfiguration: such a comparison passes whatever the model does.
     *
     * @return a model assertion that accepts a baseline with this model's fingerprint, for chaining
     */
    @CheckReturnValue
    public ModelAssert allowingSameModel() {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), ModelAssert.class, ModelSubject.class,
                new ModelSubject(actual.model(), actual.suite(), actual.softly(), true), ModelAssert::new,
                info.description());
    }

    /**
     * Starts a retention assertion against {@code baseline}, by default a point comparison. Nothing
     * is scored yet; the scorecards are computed (or read) when the chain reaches its verdict.
     *
     * @param baseline the model the fine-tune started from
     * @return the retention assertion, to continue with a rule, the categories and a tolerance
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public RetentionAssert retains(ScoredModel baseline) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), RetentionAssert.class, Comparison.class, comparison(baseline),
                RetentionAssert::new, info.description());
    }

    /**
     * Starts a retention assertion against a loaded baseline, scored on demand with the default
     * settings; every assertion about the same {@code CausalLm} instance reuses its scorecards.
     *
     * @param baseline the loaded model the fine-tune started from; it stays owned by the caller
     * @return the retention assertion, to continue with a rule, the categories and a tolerance
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public RetentionAssert retains(CausalLm baseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return retains(Navigation.live(baseline));
    }

    /**
     * Retention against a recorded baseline scorecard (the baseline model need not be loaded). The
     * scorecard answers only for the suite it was scored on.
     *
     * @param recordedBaseline the baseline's scorecard
     * @return the retention assertion, to continue with a rule, the categories and a tolerance
     * @throws IllegalArgumentException when the scorecard has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}
     */
    @CheckReturnValue
    public RetentionAssert retains(Scorecard recordedBaseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return retains(ScoredModel.recorded(recordedBaseline));
    }

    /**
     * Retention against a recorded baseline scorecard file written by {@link Scorecard#write(Path)}.
     * The file is read here, and refused when it was edited or damaged.
     *
     * @param recordedBaselineFile the baseline's scorecard file
     * @return the retention assertion, to continue with a rule, the categories and a tolerance
     * @throws java.io.UncheckedIOException when the file cannot be read
     * @throws dev.retention.eval.ScorecardFormatException naming the file when it is truncated,
     *     corrupt or of another schema version
     * @throws IllegalArgumentException when the scorecard has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}
     */
    @CheckReturnValue
    public RetentionAssert retains(Path recordedBaselineFile) {
        advance(); // here, so that a failing conversion leaves no open link
        return retains(ScoredModel.recorded(recordedBaselineFile));
    }

    /**
     * Starts an assertion that the fine-tune learned its job: it scores higher than {@code baseline}.
     *
     * @param baseline the model the fine-tune started from
     * @return the improvement assertion, to continue with the categories and the minimum gain
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public ImprovementAssert improvesOn(ScoredModel baseline) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), ImprovementAssert.class, Comparison.class, comparison(baseline),
                ImprovementAssert::new, info.description());
    }

    /**
     * Starts an improvement assertion against a loaded baseline, scored on demand with the default
     * settings; every assertion about the same {@code CausalLm} instance reuses its scorecards.
     *
     * @param baseline the loaded model the fine-tune started from; it stays owned by the caller
     * @return the improvement assertion, to continue with the categories and the minimum gain
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public ImprovementAssert improvesOn(CausalLm baseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return improvesOn(Navigation.live(baseline));
    }

    /**
     * Starts an improvement assertion against a recorded baseline scorecard, which answers only for
     * the suite it was scored on.
     *
     * @param recordedBaseline the baseline's scorecard
     * @return the improvement assertion, to continue with the categories and the minimum gain
     * @throws IllegalArgumentException when the scorecard has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}
     */
    @CheckReturnValue
    public ImprovementAssert improvesOn(Scorecard recordedBaseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return improvesOn(ScoredModel.recorded(recordedBaseline));
    }

    /**
     * Weight-space comparison with {@code baseline}: drift, frozen parameters, rank of the changes.
     * Both models must be live (loaded); a recorded one is refused when the verdict is evaluated.
     *
     * @param baseline the model the fine-tune started from
     * @return the weights assertion, to continue with a verdict such as {@code hasRmsDriftAtMost(max)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public WeightsAssert weightsComparedTo(ScoredModel baseline) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), WeightsAssert.class, WeightComparison.class,
                new WeightComparison(actual.model(), distinct(baseline), actual.suite(), actual.softly()), WeightsAssert::new,
                info.description());
    }

    /**
     * Weight-space comparison with a loaded baseline: drift, frozen parameters, rank of the changes.
     *
     * @param baseline the loaded model the fine-tune started from; it stays owned by the caller
     * @return the weights assertion, to continue with a verdict such as {@code hasRmsDriftAtMost(max)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public WeightsAssert weightsComparedTo(CausalLm baseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return weightsComparedTo(Navigation.live(baseline));
    }

    /**
     * Fisher-weighted drift from {@code baseline}, the importance measure behind EWC. Both models
     * must be live (loaded): the baseline's Fisher comes from its gradients on a suite.
     *
     * @param baseline the model the fine-tune started from
     * @return the Fisher-drift assertion, to continue with {@code on(suite)} or {@code isAtMost(max)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public FisherDriftAssert fisherWeightedDriftFrom(ScoredModel baseline) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), FisherDriftAssert.class, WeightComparison.class,
                new WeightComparison(actual.model(), distinct(baseline), actual.suite(), actual.softly()),
                FisherDriftAssert::new,
                info.description());
    }

    /**
     * Fisher-weighted drift from a loaded baseline, the importance measure behind EWC.
     *
     * @param baseline the loaded model the fine-tune started from; it stays owned by the caller
     * @return the Fisher-drift assertion, to continue with {@code on(suite)} or {@code isAtMost(max)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public FisherDriftAssert fisherWeightedDriftFrom(CausalLm baseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return fisherWeightedDriftFrom(Navigation.live(baseline));
    }

    /**
     * Label-free drift: next-token KL(baseline ‖ this model) on a text, chosen with {@code onText}.
     * Both models must be live (loaded) and share one tokenizer.
     *
     * @param baseline the model the fine-tune started from
     * @return the divergence assertion, to continue with {@code onText(text)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public DivergenceAssert nextTokenDivergenceFrom(ScoredModel baseline) {
        ChainTracker.Link from = advance();
        return Navigation.next(from, actual.softly(), DivergenceAssert.class, TextComparison.class,
                new TextComparison(comparison(baseline), "text", TextComparison.UNSET), DivergenceAssert::new,
                info.description());
    }

    /**
     * Label-free drift from a loaded baseline: next-token KL(baseline ‖ this model) on a text,
     * chosen with {@code onText}.
     *
     * @param baseline the loaded model the fine-tune started from; it stays owned by the caller
     * @return the divergence assertion, to continue with {@code onText(text)}
     * @throws IllegalArgumentException when {@code baseline} has this model's fingerprint and the chain
     *     did not say {@link #allowingSameModel()}; the message names both models
     */
    @CheckReturnValue
    public DivergenceAssert nextTokenDivergenceFrom(CausalLm baseline) {
        advance(); // here, so that a failing conversion leaves no open link
        return nextTokenDivergenceFrom(Navigation.live(baseline));
    }

    private Comparison comparison(ScoredModel baseline) {
        return new Comparison(actual.model(), distinct(baseline), actual.suite(), VerdictRule.POINT_ESTIMATE, 0.95,
                actual.softly());
    }

    /** {@code baseline}, unless it is this very model and the chain did not allow that. */
    private ScoredModel distinct(ScoredModel baseline) {
        ScoredModel tuned = actual.model();
        if (!actual.sameModelAllowed() && tuned.fingerprint().equals(baseline.fingerprint())) {
            throw new IllegalArgumentException("baseline and tuned are the same model: " + tuned.name() + " and "
                    + baseline.name() + " have the same fingerprint (sha256 " + abbreviated(tuned.fingerprint())
                    + "), so every comparison of them passes whatever the model does. Check which model each side "
                    + "loads (e.g. retention.baseline / retention.tuned, @RetentionTest(baseline, tuned)); if comparing "
                    + "a model with itself is intended, say so: assertThatModel(m).allowingSameModel().retains(m)...");
        }
        return baseline;
    }

    private static String abbreviated(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) + "…" : fingerprint;
    }
}
