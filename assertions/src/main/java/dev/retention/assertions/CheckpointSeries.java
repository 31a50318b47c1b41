package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.assertj.core.api.SoftAssertionsProvider;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The state of a {@link CheckpointsAssert}: ordered checkpoints, their baseline, suite and categories. */
record CheckpointSeries(List<ScoredModel> checkpoints, Optional<ScoredModel> baseline, Optional<Suite> suite,
                               List<String> categories, Optional<SoftAssertionsProvider> softly) {
    public CheckpointSeries {
        checkpoints = List.copyOf(checkpoints);
        categories = List.copyOf(categories);
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(softly, "softly");
    }

    ForgettingCurve curve() {
        return ForgettingCurve.of(base(), checkpoints, resolveSuite());
    }

    /** The suite the series is judged on: {@code on(suite)}, else the baseline's default suite, else the first checkpoint's. */
    Suite resolveSuite() {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("no checkpoints given");
        }
        return suite.or(base()::defaultSuite).or(() -> checkpoints.get(0).defaultSuite()).orElseThrow(
                () -> new IllegalStateException("no suite: call on(suite) or give the models a default suite"));
    }

    private ScoredModel base() {
        return baseline.orElseThrow(() -> new IllegalStateException(
                "name the baseline of the checkpoints with relativeTo(baseline)"));
    }
}
