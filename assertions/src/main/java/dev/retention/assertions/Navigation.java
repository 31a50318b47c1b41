package dev.retention.assertions;

import dev.retention.model.CausalLm;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;
import org.assertj.core.description.Description;

import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * Creates the next assert of a chain: a soft proxy when the chain belongs to
 * {@link RetentionSoftAssertions}, so failures further down are collected instead of thrown, and
 * carrying the description given with {@code as(...)}.
 */
final class Navigation {

    private static final Map<CausalLm, ScoredModel> LIVE = new WeakHashMap<>();

    private Navigation() {
    }

    static <S extends AbstractAssert<S, A>, A> S next(Optional<SoftAssertionsProvider> softly, Class<S> type,
                                                     Class<A> actualType, A actual, Function<A, S> hard,
                                                     Description description) {
        S next = softly.isPresent() ? softly.get().proxy(type, actualType, actual) : hard.apply(actual);
        if (description != null && !description.value().isEmpty()) {
            next.as(description);
        }
        return next;
    }

    /** One {@link ScoredModel} per loaded model, so repeated assertions reuse its scorecards. */
    static ScoredModel live(CausalLm model) {
        synchronized (LIVE) {
            return LIVE.computeIfAbsent(model, ScoredModel::of);
        }
    }
}
