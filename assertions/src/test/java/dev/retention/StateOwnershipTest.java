package dev.retention;

import dev.retention.assertions.RetentionEvents;
import dev.retention.diagnostics.internal.FisherDrift;
import dev.retention.report.RetentionReport;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing Retention collects outlives its owner or leaks between two runs in one JVM: verdict
 * listeners belong to the thread that registered them, reports and the Fisher estimate keep no
 * static state.
 */
class StateOwnershipTest {

    private static List<String> mutableStatics(Class<?> c) {
        return Arrays.stream(c.getDeclaredFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && !f.isSynthetic())
                .filter(f -> !Modifier.isFinal(f.getModifiers()) || !f.getType().isPrimitive()
                        && f.getType() != String.class && f.getType() != ThreadLocal.class)
                .map(Field::getName).toList();
    }

    @Test
    void reportsAndTheFisherEstimateKeepNoStaticState() throws ClassNotFoundException {
        assertThat(mutableStatics(FisherDrift.class)).as("FisherDrift (its estimate is closed after use)").isEmpty();
        assertThat(mutableStatics(Class.forName("dev.retention.report.ReportCollector"))).isEmpty();
        assertThat(mutableStatics(RetentionReport.class)).isEmpty();
        assertThat(mutableStatics(RetentionEvents.class)).as("only the per-thread registry").isEmpty();
    }

    @Test
    void aListenerHearsOnlyTheThreadThatRegisteredItUntilClosed() throws InterruptedException {
        List<String> heard = new CopyOnWriteArrayList<>();
        Cards cards = new Cards();
        RetentionEvents.Registration r = RetentionEvents.register((kind, rows) -> rows.forEach(
                v -> heard.add(Thread.currentThread().getName() + ":" + v.category())));
        try {
            Thread other = new Thread(cards::assertOnce, "other");
            other.start();
            other.join();
            cards.assertOnce();
        } finally {
            r.close();
        }
        cards.assertOnce();
        assertThat(heard).containsExactly(Thread.currentThread().getName() + ":overall");
    }

    @Test
    void reportsStartedInTwoRunsDoNotSeeEachOthersVerdicts() throws InterruptedException {
        Cards cards = new Cards();
        List<Integer> sizes = new ArrayList<>();
        try (RetentionReport mine = RetentionReport.start()) {
            Thread other = new Thread(() -> {
                try (RetentionReport theirs = RetentionReport.start()) {
                    cards.assertOnce();
                    cards.assertOnce();
                    sizes.add(entries(theirs));
                }
            });
            other.start();
            other.join();
            cards.assertOnce();
            sizes.add(entries(mine));
        }
        assertThat(sizes).containsExactly(2, 1);
    }

    private static int entries(RetentionReport r) {
        return com.google.gson.JsonParser.parseString(r.json(null)).getAsJsonObject().getAsJsonArray("assertions").size();
    }

    /** One passing retention verdict on two tiny recorded models. */
    private static final class Cards {
        private final dev.retention.suite.Suite suite = dev.retention.suite.Suite.builder("s")
                .loglikelihood("a", "c", "x", "y").build();

        void assertOnce() {
            assertThatModel(card("t")).retains(card("b")).on(suite).overall().within(0.5);
        }

        private dev.retention.eval.Scorecard card(String name) {
            return new dev.retention.eval.Scorecard("s", suite.contentHash(), new dev.retention.eval.ModelRef(name,
                    name.repeat(64), "/" + name, "cpu"), new dev.retention.eval.internal.ScoringConfig(1, 8, false, "{prompt}",
                    "t", "t"), java.time.Instant.EPOCH, List.of(new dev.retention.eval.ItemResult("a", "c",
                    "loglikelihood", java.util.Optional.empty(), dev.retention.eval.ItemResult.Outcome.PASS, -1, 1, 0, 0,
                    "x", "y", "y")));
        }
    }
}
