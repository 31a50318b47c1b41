package dev.retention.assertions;

import org.apiguardian.api.API;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Finds assertion chains that never reach a verdict. {@code assertThatModel(t).retains(b).onCategory("math");}
 * without {@code .within(δ)} compiles, runs and asserts nothing; while a tracker is open on a thread,
 * every chain started there is remembered with the file and line of its entry point
 * ({@code assertThatModel} or {@code assertThatCheckpoints}) until it reaches a verdict, and
 * {@link #verify()} fails naming each one that did not.
 *
 * <p>The JUnit extension opens one tracker per test and verifies it after the test. Without JUnit
 * nothing is tracked unless you ask for it; the rule is simply to end every chain with a verdict
 * ({@code within}, {@code withinRelative}, {@code byAtLeast}, {@code withinFactor},
 * {@code everyCanaryAtLeast}, {@code isAtMost}, {@code hasRmsDriftAtMost},
 * {@code changedOnlyParametersMatching}, {@code hasLowRankChanges}, {@code hasForgettingAtMost},
 * {@code hasBackwardTransferAtLeast}); to check it, wrap the assertions:
 *
 * <pre>{@code
 * try (ChainTracker chains = ChainTracker.start()) {
 *     assertThatModel(tuned).retains(base).onEveryCategory().within(0.05);
 *     chains.verify();
 * }
 * }</pre>
 *
 * Chains started on other threads than the tracker's are not tracked.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class ChainTracker implements AutoCloseable {

    private static final ThreadLocal<ChainTracker> CURRENT = new ThreadLocal<>();

    private final ChainTracker previous;
    private final Set<Link> open = Collections.synchronizedSet(new LinkedHashSet<>());
    private volatile boolean closed;

    private ChainTracker(ChainTracker previous) {
        this.previous = previous;
    }

    /**
     * Tracks the chains started on the calling thread until {@link #close()}. A tracker opened while
     * another is open on the thread takes over until it is closed, then the earlier one resumes.
     *
     * @return the new tracker, to verify and close
     */
    public static ChainTracker start() {
        ChainTracker t = new ChainTracker(CURRENT.get());
        CURRENT.set(t);
        return t;
    }

    /**
     * Fails when a chain started since {@link #start()} (or the last {@code verify}) has not reached a
     * verdict, naming the file and line where each started; forgets them either way.
     *
     * @throws AssertionError naming every unfinished chain
     */
    public void verify() {
        List<Link> unfinished;
        synchronized (open) {
            unfinished = new ArrayList<>(open);
            open.clear();
        }
        if (unfinished.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (unfinished.size() == 1) {
            sb.append("Unfinished Retention assertion: ");
        } else {
            sb.append(unfinished.size()).append(" unfinished Retention assertions:\n  - ");
        }
        for (int i = 0; i < unfinished.size(); i++) {
            Link l = unfinished.get(i);
            if (i > 0) {
                sb.append("\n  - ");
            }
            sb.append(String.format(Locale.ROOT, "the chain started at %s never reached a verdict, so it asserted "
                    + "nothing; it stops at %s: finish it with %s", where(l.origin), l.type, l.finish));
        }
        sb.append(unfinished.size() == 1 ? "." : "")
                .append("\n(e.g. assertThatModel(tuned).retains(base).onCategory(\"math\").within(0.05))");
        throw new AssertionError(sb.toString());
    }

    /**
     * Number of chains started since the last {@link #verify()} that have not reached a verdict.
     *
     * @return the count of unfinished chains; 0 after {@link #close()}
     */
    public int unfinished() {
        return open.size();
    }

    /** Stops tracking (without verifying) and restores the tracker that was open before, if any. */
    @Override
    public void close() {
        closed = true;
        open.clear();
        if (CURRENT.get() == this) {
            ChainTracker p = previous;
            while (p != null && p.closed) {
                p = p.previous;
            }
            if (p == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(p);
            }
        }
    }

    private static String where(StackTraceElement e) {
        if (e == null) {
            return "an unknown place";
        }
        String file = e.getFileName() == null ? e.getClassName() : e.getFileName();
        return file + (e.getLineNumber() > 0 ? ":" + e.getLineNumber() : "") + " (" + e.getClassName() + "."
                + e.getMethodName() + ")";
    }

    /** Starts a chain whose first assert is of {@code type}: tracked when a tracker is open on this thread. */
    static Link begin(Class<?> type) {
        ChainTracker t = CURRENT.get();
        if (t == null || t.closed) {
            return Link.UNTRACKED;
        }
        Link l = new Link(t, caller(), type);
        t.add(l);
        return l;
    }

    private void add(Link l) {
        if (!closed) {
            open.add(l);
        }
    }

    /** The first frame outside Retention's assertion classes, AssertJ and its soft-assertion proxies. */
    private static StackTraceElement caller() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> !internal(f.getDeclaringClass()))
                .findFirst().map(StackWalker.StackFrame::toStackTraceElement).orElse(null));
    }

    private static boolean internal(Class<?> c) {
        String n = c.getName();
        return c == ChainTracker.class || c == Navigation.class || c == RetentionAssertions.class
                || AbstractAssert.class.isAssignableFrom(c) || SoftAssertionsProvider.class.isAssignableFrom(c)
                || n.startsWith("org.assertj.") || n.startsWith("net.bytebuddy.");
    }

    /**
     * One assert of a chain that has not been continued or concluded yet. Every step consumes the
     * link of the assert it is called on and opens one for the assert it returns; a verdict only
     * consumes. An exception in a step or verdict therefore leaves nothing open.
     */
    static final class Link {
        static final Link UNTRACKED = new Link(null, null, Object.class);

        private final ChainTracker tracker;
        private final StackTraceElement origin;
        private final String type;
        private final String finish;

        private Link(ChainTracker tracker, StackTraceElement origin, Class<?> type) {
            this.tracker = tracker;
            this.origin = origin;
            this.type = type.getSimpleName();
            this.finish = Navigation.verdictsOf(type);
        }

        /** Consumes this link; the returned one is opened by {@link #open(Class)} once the next assert exists. */
        Link advance() {
            consume();
            return this;
        }

        /** Opens the link of the next assert, of {@code type}, in the same chain. */
        Link open(Class<?> type) {
            if (tracker == null) {
                return UNTRACKED;
            }
            Link l = new Link(tracker, origin, type);
            tracker.add(l);
            return l;
        }

        /** A verdict was reached. */
        void conclude() {
            consume();
        }

        private void consume() {
            if (tracker != null) {
                tracker.open.remove(this);
            }
        }
    }
}
