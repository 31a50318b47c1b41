package dev.retention.eval;

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
}
