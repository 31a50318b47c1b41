package dev.retention.assertions;

import dev.retention.eval.Scorecard;
import dev.retention.model.CausalLm;
import org.apiguardian.api.API;
import org.assertj.core.annotation.CheckReturnValue;
import org.assertj.core.api.AbstractSoftAssertions;

import java.util.List;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Soft versions of {@link RetentionAssertions}: failures are collected and reported together by
 * {@link #assertAll()}, including failures after subject-changing steps such as
 * {@code retains(...)} and {@code onCategory(...)}. Works with AssertJ's
 * {@code SoftAssertionsExtension} ({@code @InjectSoftAssertions RetentionSoftAssertions softly}).
 *
 * <pre>{@code
 * RetentionSoftAssertions softly = new RetentionSoftAssertions();
 * softly.assertThatModel(tuned).retains(base).onCategory("math").within(0.05);
 * softly.assertThatModel(tuned).retains(base).onCategory("geography").within(0.05);
 * softly.assertAll();
 * }</pre>
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public class RetentionSoftAssertions extends AbstractSoftAssertions {

    /** A collector with no failures yet; call {@link #assertAll()} once the assertions are made. */
    public RetentionSoftAssertions() {
    }

    /**
     * Soft assertions about a model (live or recorded): a failure anywhere further down the chain
     * is collected by this object instead of thrown.
     *
     * @param model the model under test, usually the fine-tuned one
     * @return the model's soft assertion, to continue with {@code retains(baseline)},
     *     {@code improvesOn(baseline)} or a weight or divergence diagnostic
     */
    @CheckReturnValue
    public ModelAssert assertThatModel(ScoredModel model) {
        return Navigation.start(proxy(ModelAssert.class, ModelSubject.class,
                new ModelSubject(model, Optional.empty(), Optional.of(this))), ModelAssert.class);
    }

    /**
     * Soft assertions about a loaded model, scored on demand with the default settings; like
     * {@link RetentionAssertions#assertThatModel(CausalLm)}, every assertion about the same
     * instance reuses its scorecards.
     *
     * @param model the loaded model under test; it stays owned by the caller
     * @return the model's soft assertion, to continue with {@code retains(baseline)},
     *     {@code improvesOn(baseline)} or a weight or divergence diagnostic
     */
    @CheckReturnValue
    public ModelAssert assertThatModel(CausalLm model) {
        return assertThatModel(Navigation.live(model));
    }

    /**
     * Soft assertions about a recorded scorecard, which answers only for the suite it was scored on.
     *
     * @param recorded the scorecard of the model under test
     * @return the model's soft assertion, to continue with {@code retains(baseline)} or
     *     {@code improvesOn(baseline)}
     */
    @CheckReturnValue
    public ModelAssert assertThatModel(Scorecard recorded) {
        return assertThatModel(ScoredModel.recorded(recorded));
    }

    /**
     * Soft assertions about an ordered sequence of fine-tuning checkpoints; the chain must name
     * their baseline with {@link CheckpointsAssert#relativeTo(ScoredModel)} before a verdict.
     *
     * @param checkpoints the checkpoints in training order, baseline not included; the list is copied
     * @return the checkpoints' soft assertion, to continue with {@code relativeTo(baseline)}
     */
    @CheckReturnValue
    public CheckpointsAssert assertThatCheckpoints(List<? extends ScoredModel> checkpoints) {
        return Navigation.start(proxy(CheckpointsAssert.class, CheckpointSeries.class,
                new CheckpointSeries(List.copyOf(checkpoints), Optional.empty(), Optional.empty(), List.of(),
                        Optional.of(this))), CheckpointsAssert.class);
    }
}
