package dev.retention.assertions;

import org.assertj.core.api.AbstractAssert;

/**
 * Base of every Retention assert: knows its place in an assertion chain, so that a chain that never
 * reaches a verdict can be found ({@link ChainTracker}). Steps call {@link #advance()} first and
 * hand the result to {@link Navigation#next}; verdicts call {@link #conclude()} first.
 */
abstract class ChainedAssert<S extends ChainedAssert<S, A>, A> extends AbstractAssert<S, A> {

    /** Set by {@link Navigation} on asserts it creates; untracked for asserts constructed directly. */
    ChainTracker.Link link = ChainTracker.Link.UNTRACKED;

    ChainedAssert(A actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /** The first call of every non-terminal step: this assert's link is consumed. */
    final ChainTracker.Link advance() {
        return link.advance();
    }

    /** The first call of every verdict: the chain is finished. */
    final void conclude() {
        link.conclude();
    }
}
