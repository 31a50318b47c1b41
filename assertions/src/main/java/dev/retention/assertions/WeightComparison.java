package dev.retention.assertions;

import org.assertj.core.api.SoftAssertionsProvider;

import java.util.Objects;
import java.util.Optional;

/** The state of a {@link WeightsAssert} or {@link FisherDriftAssert}: the two models compared. */
record WeightComparison(ScoredModel tuned, ScoredModel baseline, Optional<dev.retention.suite.Suite> suite,
                               Optional<SoftAssertionsProvider> softly) {
    public WeightComparison {
        Objects.requireNonNull(tuned, "tuned");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(softly, "softly");
    }

    static dev.retention.model.CausalLm loaded(ScoredModel m) {
        return m.evaluator().orElseThrow(() -> new IllegalStateException("weight and distribution diagnostics need the "
                + "loaded model; " + m.name() + " is a recorded scorecard")).model();
    }
}
