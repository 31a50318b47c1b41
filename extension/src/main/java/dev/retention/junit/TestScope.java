package dev.retention.junit;

import dev.retention.assertions.ChainTracker;
import dev.retention.assertions.RetentionEvents;

/**
 * What one test installs on its thread: the listener that puts its verdicts into the run report,
 * tagged with the test, and the tracker of unfinished assertion chains. Lives in the test's
 * extension store, so JUnit closes it when the test ends even if {@code afterEach} never runs.
 */
final class TestScope implements AutoCloseable {

    final ChainTracker chains;
    private final RetentionEvents.Registration verdicts;

    TestScope(ChainTracker chains, RetentionEvents.Registration verdicts) {
        this.chains = chains;
        this.verdicts = verdicts;
    }

    @Override
    public void close() {
        try {
            verdicts.close();
        } finally {
            chains.close();
        }
    }
}
