package dev.retention.assertions;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardStore;
import dev.retention.model.CausalLm;
import org.assertj.core.api.SoftAssertionsProvider;
import org.assertj.core.description.Description;

import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Creates the asserts of a chain: a soft proxy when the chain belongs to
 * {@link RetentionSoftAssertions}, so failures further down are collected instead of thrown,
 * carrying the description given with {@code as(...)} and the chain's place for {@link ChainTracker}.
 */
final class Navigation {

    /**
     * The scorecards of each loaded model, for {@link #live}. The values are scorecards, which hold
     * names and numbers but never a model, so no value can keep its key reachable: an entry goes
     * away once its model is unreachable, whatever the assertions did with it.
     */
    private static final Map<CausalLm, Map<String, Scorecard>> SCORECARDS = new WeakHashMap<>();

    private Navigation() {
    }

    /** The first assert of a chain (an entry point such as {@code assertThatModel}). */
    static <S extends ChainedAssert<S, ?>> S start(S first, Class<S> type) {
        first.link = ChainTracker.begin(type);
        return first;
    }

    /**
     * The next assert of a chain.
     *
     * @param from the link {@link ChainedAssert#advance()} returned at the start of the step
     */
    static <S extends ChainedAssert<S, A>, A> S next(ChainTracker.Link from, Optional<SoftAssertionsProvider> softly,
                                                    Class<S> type, Class<A> actualType, A actual, Function<A, S> hard,
                                                    Description description) {
        S next = softly.isPresent() ? softly.get().proxy(type, actualType, actual) : hard.apply(actual);
        if (description != null && !description.value().isEmpty()) {
            next.as(description);
        }
        next.link = from.open(type);
        return next;
    }

    /** What ends a chain that stops at an assert of {@code type}, for {@link ChainTracker}'s message. */
    static String verdictsOf(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            String v = VERDICTS.get(c);
            if (v != null) {
                return v;
            }
        }
        return "a verdict";
    }

    private static final Map<Class<?>, String> VERDICTS = Map.of(
            ModelAssert.class, "retains(baseline)..., improvesOn(baseline)..., weightsComparedTo(baseline)..., "
                    + "fisherWeightedDriftFrom(baseline)... or nextTokenDivergenceFrom(baseline)...",
            RetentionAssert.class, "onCategory(c).within(δ), onEveryCategory().within(δ), overall().within(δ), "
                    + "perplexityOn(text).withinFactor(f) or everyCanaryAtLeast(severity)",
            RetentionCategoriesAssert.class, "within(δ) or withinRelative(r)",
            ImprovementAssert.class, "onCategory(c).byAtLeast(gain), onEveryCategory().byAtLeast(gain) or "
                    + "overall().byAtLeast(gain)",
            ImprovementCategoriesAssert.class, "byAtLeast(gain)",
            PerplexityAssert.class, "withinFactor(f)",
            DivergenceAssert.class, "onText(text).isAtMost(nats) (or isAtMost(nats) after onText)",
            FisherDriftAssert.class, "isAtMost(max)",
            WeightsAssert.class, "hasRmsDriftAtMost(max), changedOnlyParametersMatching(regex) or hasLowRankChanges(r)",
            CheckpointsAssert.class, "hasForgettingAtMost(max) or hasBackwardTransferAtLeast(min)");

    /** A {@link ScoredModel} of a loaded model whose scorecards are shared by every assertion about it. */
    static ScoredModel live(CausalLm model) {
        return new LiveScoredModel(Evaluator.of(model, EvalConfig.defaults()), Optional.empty(), ScorecardStore.none(),
                scorecards(model));
    }

    /** The shared scorecards of {@code model}, by suite content hash. */
    static Map<String, Scorecard> scorecards(CausalLm model) {
        synchronized (SCORECARDS) {
            return SCORECARDS.computeIfAbsent(model, m -> new ConcurrentHashMap<>());
        }
    }
}
