package dev.retention.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchingTest {

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 3, 8, 32})
    void outputsComeBackInInputOrderAndBatchesRunLongestFirst(int batchSize) {
        List<String> inputs = List.of("aa", "a", "aaaa", "", "aaa", "aaaaa", "a", "aa");
        List<Integer> firstLengths = new ArrayList<>();
        List<String> out = Batching.run(inputs, batchSize, String::length, batch -> {
            assertThat(batch.size()).isLessThanOrEqualTo(batchSize);
            firstLengths.add(batch.get(0).length());
            return batch.stream().map(s -> s + "!").toList();
        });
        assertThat(out).containsExactly("aa!", "a!", "aaaa!", "!", "aaa!", "aaaaa!", "a!", "aa!");
        assertThat(firstLengths).isSortedAccordingTo((x, y) -> y - x);
    }

    @Test
    void aTokenBudgetPutsShortInputsInLargeBatchesAndLongOnesInSmallOnes() {
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add("x".repeat(100));
        }
        for (int i = 0; i < 40; i++) {
            inputs.add("x".repeat(10));
        }
        List<Integer> sizes = new ArrayList<>();
        long[] padding = new long[2];
        List<Integer> out = Batching.run(inputs, String::length, i -> i, 64, 400, batch -> {
            sizes.add(batch.size());
            assertThat((long) batch.size() * batch.get(0).length()).isLessThanOrEqualTo(400);
            return batch.stream().map(String::length).toList();
        }, padding);
        assertThat(sizes).containsExactly(4, 4, 40);
        assertThat(out).containsExactlyElementsOf(inputs.stream().map(String::length).toList());
        assertThat(padding).containsExactly(1200, 1200);
    }

    @Test
    void anInputLongerThanTheBudgetRunsAlone() {
        List<String> inputs = List.of("x".repeat(50), "x".repeat(500), "x".repeat(50));
        List<Integer> sizes = new ArrayList<>();
        Batching.run(inputs, String::length, i -> i, 64, 100, batch -> {
            sizes.add(batch.size());
            return batch;
        }, null);
        assertThat(sizes).containsExactly(1, 2);
    }

    @Test
    void membersOfAGroupStayTogetherOrderedByTheirGroupsLongestMember() {
        // groups: 0 = {0, 3}, 1 = {1, 2}; group 1's longest member (9) comes first
        List<String> inputs = List.of("x".repeat(5), "x".repeat(9), "x".repeat(2), "x".repeat(3));
        int[] group = {0, 1, 1, 0};
        List<String> seen = new ArrayList<>();
        Batching.run(inputs, String::length, i -> group[i], 64, Long.MAX_VALUE, batch -> {
            seen.addAll(batch);
            return batch;
        }, null);
        assertThat(seen).extracting(String::length).containsExactly(9, 2, 5, 3);
    }

    @Test
    void theLimitCountsGroupsSoAnItemsChoicesNeverFillABatchAlone() {
        // three items of four choices each; a limit of 2 puts two whole items in the first batch
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inputs.add("x".repeat(10 - i / 4));
        }
        List<Integer> sizes = new ArrayList<>();
        Batching.run(inputs, String::length, i -> i / 4, 2, Long.MAX_VALUE, batch -> {
            sizes.add(batch.size());
            return batch;
        }, null);
        assertThat(sizes).containsExactly(8, 4);
    }

    @Test
    void streamsRunBatchesAtOnceAndGiveTheSameBatchesAndOrderAsOneStream() throws Exception {
        List<String> inputs = List.of("aa", "a", "aaaa", "", "aaa", "aaaaa", "a", "aa");
        List<List<String>> alone = Collections.synchronizedList(new ArrayList<>());
        List<String> expected = Batching.run(inputs, 3, String::length, batch -> {
            alone.add(batch);
            return batch.stream().map(s -> s + "!").toList();
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch both = new CountDownLatch(2); // the first two batches wait for each other
            List<List<String>> together = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger started = new AtomicInteger();
            List<String> out = Batching.run(inputs, 3, String::length, batch -> {
                together.add(batch);
                if (started.getAndIncrement() < 2) {
                    both.countDown();
                    try {
                        assertThat(both.await(30, TimeUnit.SECONDS)).as("the other stream's batch ran meanwhile").isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return batch.stream().map(s -> s + "!").toList();
            }, pool);
            assertThat(out).isEqualTo(expected);
            assertThat(together).containsExactlyInAnyOrderElementsOf(alone);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withStreamsTheFirstFailingBatchInBatchOrderIsRethrownAsThrown() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<String> inputs = List.of("aaaa", "aaa", "aa", "a");
            IllegalStateException first = new IllegalStateException("batch aaaa");
            assertThatThrownBy(() -> Batching.run(inputs, 1, String::length, batch -> {
                if (batch.get(0).length() == 4) {
                    try {
                        Thread.sleep(200); // fails last in time, first in batch order
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    throw first;
                }
                if (batch.get(0).length() == 3) {
                    throw new IllegalArgumentException("batch aaa");
                }
                return batch;
            }, pool)).isSameAs(first);
        } finally {
            pool.shutdownNow();
        }
    }
}
