package dev.retention.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
}
