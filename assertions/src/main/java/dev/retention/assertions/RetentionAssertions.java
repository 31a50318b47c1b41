package dev.retention.assertions;

import dev.retention.eval.Scorecard;
import dev.retention.model.CausalLm;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;
import org.assertj.core.api.Assertions;

import java.util.List;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * The entry point of Retention's assertions; one static import gives these and all of AssertJ's.
 *
 * <pre>{@code
 * import static dev.retention.assertions.RetentionAssertions.*;
 *
 * assertThatModel(tuned).retains(baseline).onCategory("math").within(0.10);
 * assertThatModel(tuned).retains(baseline).failingOnlyOnEvidenceOfForgetting(0.95).onEveryCategory().within(0.05);
 * assertThatModel(tuned).improvesOn(baseline).onCategory("support").byAtLeast(0.30);
 * assertThatModel(tuned).retains(baseline).perplexityOn(generalText).withinFactor(1.5);
 * assertThatModel(tuned).retains(baseline).on(Suite.canaries()).everyCanaryAtLeast(Severity.HIGH);
 * assertThatCheckpoints(steps).relativeTo(baseline).onEveryCategory().hasForgettingAtMost(0.10);
 * }</pre>
 *
 * <p>Every chain must end with a verdict ({@code within}, {@code byAtLeast}, {@code withinFactor},
 * {@code isAtMost}, ...): a chain without one asserts nothing. Entry points and steps are
 * {@code @CheckReturnValue} (AssertJ's), so IDEs and Error Prone flag a dropped chain, and the JUnit
 * extension fails a test that leaves one unfinished ({@link ChainTracker}).
 *
 * <p>Works without JUnit: failures are {@code AssertionError}s (opentest4j's
 * {@code AssertionFailedError}, with expected/actual for IDE diffs) whose message holds the whole
 * verdict table; each verdict row is also printed to standard output (see {@link RetentionEvents}).
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class RetentionAssertions extends Assertions {

    /**
     * For subclasses that add entry points of their own; every method here is static, so there is
     * no need for an instance.
     */
    protected RetentionAssertions() {
    }

    /**
     * Assertions about a model (live or recorded). While a {@link ChainTracker} is open on the
     * calling thread, the chain started here is tracked until it reaches a verdict.
     *
     * @param model the model under test, usually the fine-tuned one
     * @return the model's assertion, to continue with {@code retains(baseline)},
     *     {@code improvesOn(baseline)} or a weight or divergence diagnostic
     */
    @CheckReturnValue
    public static ModelAssert assertThatModel(ScoredModel model) {
        return Navigation.start(new ModelAssert(new ModelSubject(model, Optional.empty(), Optional.empty())),
                ModelAssert.class);
    }

    /**
     * Assertions about a loaded model, scored on demand with the default settings (memoised per model).
     * Every assertion about the same {@code CausalLm} instance reuses its scorecards, for as long as
     * the model is reachable; use {@link ScoredModel#of(CausalLm, dev.retention.eval.EvalConfig)}
     * for other settings.
     *
     * @param model the loaded model under test; it stays owned by the caller
     * @return the model's assertion, to continue with {@code retains(baseline)},
     *     {@code improvesOn(baseline)} or a weight or divergence diagnostic
     */
    @CheckReturnValue
    public static ModelAssert assertThatModel(CausalLm model) {
        return assertThatModel(Navigation.live(model));
    }

    /**
     * Assertions about a recorded scorecard, as {@link ScoredModel#recorded(Scorecard...)} makes it:
     * it answers only for the suite it was scored on, and diagnostics that need the loaded model
     * (perplexity, weights, divergence) are refused.
     *
     * @param recorded the scorecard of the model under test
     * @return the model's assertion, to continue with {@code retains(baseline)} or
     *     {@code improvesOn(baseline)}
     */
    @CheckReturnValue
    public static ModelAssert assertThatModel(Scorecard recorded) {
        return assertThatModel(ScoredModel.recorded(recorded));
    }

    /**
     * Assertions about an ordered sequence of fine-tuning checkpoints. The chain must name their
     * baseline with {@link CheckpointsAssert#relativeTo(ScoredModel)} before a verdict.
     *
     * @param checkpoints the checkpoints in training order, baseline not included; the list is copied
     * @return the checkpoints' assertion, to continue with {@code relativeTo(baseline)}
     */
    @CheckReturnValue
    public static CheckpointsAssert assertThatCheckpoints(List<? extends ScoredModel> checkpoints) {
        return Navigation.start(new CheckpointsAssert(new CheckpointSeries(List.copyOf(checkpoints), Optional.empty(),
                Optional.empty(), List.of(), Optional.empty())), CheckpointsAssert.class);
    }
}
