package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.assertj.core.api.SoftAssertionsProvider;

import java.util.Objects;
import java.util.Optional;

/**
 * The state of a {@link RetentionAssert} or {@link ImprovementAssert}: tuned and baseline models,
 * the suite, the verdict rule and its confidence level.
 */
record Comparison(ScoredModel tuned, ScoredModel baseline, Optional<Suite> suite, VerdictRule rule,
                         double confidence, Optional<SoftAssertionsProvider> softly) {

    public Comparison {
        Objects.requireNonNull(tuned, "tuned");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(softly, "softly");
        if (!(confidence > 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0.5, 1), e.g. 0.95; got " + confidence);
        }
    }

    /**
     * The suite to compare on: chosen with {@code on(suite)}, else the tuned model's default suite,
     * else the baseline's.
     */
    Suite resolveSuite() {
        return suite.or(tuned::defaultSuite).or(baseline::defaultSuite).orElseThrow(() -> new IllegalStateException(
                "no suite to compare " + tuned.name() + " and " + baseline.name() + " on: call on(suite) or give a "
                        + "model a default suite (ScoredModel.withDefaultSuite, or the extension's @RetentionTest(suite))"));
    }

    Comparison withSuite(Suite s) {
        return new Comparison(tuned, baseline, Optional.of(s), rule, confidence, softly);
    }

    Comparison withRule(VerdictRule r, double level) {
        return new Comparison(tuned, baseline, suite, r, level, softly);
    }
}
