package dev.retention.assertions;

import dev.retention.suite.Suite;
import org.assertj.core.api.SoftAssertionsProvider;

import java.util.Objects;
import java.util.Optional;

/**
 * The state of a {@link ModelAssert}: the model, the suite chosen with {@code on(suite)} if any,
 * the soft-assertion collector when the chain started from {@link RetentionSoftAssertions}, and
 * whether the chain said {@code allowingSameModel()}.
 */
record ModelSubject(ScoredModel model, Optional<Suite> suite, Optional<SoftAssertionsProvider> softly,
                           boolean sameModelAllowed) {
    public ModelSubject {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(softly, "softly");
    }

    /** A subject that may not be compared with itself. */
    public ModelSubject(ScoredModel model, Optional<Suite> suite, Optional<SoftAssertionsProvider> softly) {
        this(model, suite, softly, false);
    }
}
