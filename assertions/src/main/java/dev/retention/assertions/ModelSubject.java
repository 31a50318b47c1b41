package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.assertj.core.api.SoftAssertionsProvider;

import java.util.Objects;
import java.util.Optional;

/**
 * The state of a {@link ModelAssert}: the model, the suite chosen with {@code on(suite)} if any,
 * and the soft-assertion collector when the chain started from {@link RetentionSoftAssertions}.
 */
public record ModelSubject(ScoredModel model, Optional<Suite> suite, Optional<SoftAssertionsProvider> softly) {
    public ModelSubject {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(softly, "softly");
    }
}
