package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.internal.GreedySession;
import dev.retention.model.internal.ScoreRow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The forward-pass counts behind the peer benchmark's padding ratio: rows, real tokens and padded slots. */
class ForwardCountsTest {

    @Test
    void scoringAndPrefillCountTheirRowsRealTokensAndSlots() {
        try (CausalLm lm = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"))) {
            assertThat(lm.forwardCounts()).containsExactly(0, 0, 0);
            lm.score(List.of(new ScoreRow(new int[] {5, 6, 7, 8, 9}, 2, new int[] {7, 8, 9}),
                    new ScoreRow(new int[] {10, 11}, 1, new int[] {11})), false);
            assertThat(lm.forwardCounts()).containsExactly(2, 7, 10); // 5 + 2 real tokens in 2 rows of 5
            // two choices of one 9-token context, packed into one row: the context once, then each choice's token
            int[] a = {20, 21, 22, 23, 24, 25, 26, 27, 28, 30};
            int[] b = {20, 21, 22, 23, 24, 25, 26, 27, 28, 31};
            lm.score(List.of(new ScoreRow(a, 9, new int[] {30}), new ScoreRow(b, 9, new int[] {31})), true);
            assertThat(lm.forwardCounts()).containsExactly(3, 18, 21);
            try (GreedySession s = lm.greedy(List.of(new int[] {5, 6, 7}, new int[] {8}))) {
                s.next(null);
            }
            assertThat(lm.forwardCounts()).containsExactly(5, 22, 27); // prefill: 3 + 1 real tokens in 2 rows of 3
        }
    }
}
