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
 */
@API(status = STABLE, since = "0.1")
public class RetentionSoftAssertions extends AbstractSoftAssertions {

    @CheckReturnValue
    public ModelAssert assertThatModel(ScoredModel model) {
        return Navigation.start(proxy(ModelAssert.class, ModelSubject.class,
                new ModelSubject(model, Optional.empty(), Optional.of(this))), ModelAssert.class);
    }

    @CheckReturnValue
    public ModelAssert assertThatModel(CausalLm model) {
        return assertThatModel(Navigation.live(model));
    }

    @CheckReturnValue
    public ModelAssert assertThatModel(Scorecard recorded) {
        return assertThatModel(ScoredModel.recorded(recorded));
    }

    @CheckReturnValue
    public CheckpointsAssert assertThatCheckpoints(List<? extends ScoredModel> checkpoints) {
        return Navigation.start(proxy(CheckpointsAssert.class, CheckpointSeries.class,
                new CheckpointSeries(List.copyOf(checkpoints), Optional.empty(), Optional.empty(), List.of(),
                        Optional.of(this))), CheckpointsAssert.class);
    }
}
