package dev.retention.eval;

import dev.retention.model.internal.ScoreRow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RollingWindowsTest {

    private static final int PREFIX = -1;

    @ParameterizedTest(name = "{0} tokens, window {1}")
    @CsvSource({"1,8", "7,8", "8,8", "9,8", "17,8", "40,8", "130,128", "519,128"})
    void everyTokenIsPredictedExactlyOnceFromItsTruePrefix(int length, int window) {
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = 1000 + i;
        }
        List<ScoreRow> rows = RollingWindows.of(tokens, PREFIX, window);
        int next = 0;
        for (ScoreRow r : rows) {
            assertThat(r.input().length).isLessThanOrEqualTo(window);
            for (int j = 0; j < r.targets().length; j++) {
                int pos = r.firstTarget() + j;
                // The target scored at `pos` must be the token that really follows input[pos] in the text.
                assertThat(r.targets()[j]).isEqualTo(tokens[next]);
                int expectedInput = next == 0 ? PREFIX : tokens[next - 1];
                assertThat(r.input()[pos]).isEqualTo(expectedInput);
                next++;
            }
        }
        assertThat(next).isEqualTo(length);
    }

    @ParameterizedTest(name = "{0} tokens, window {1}")
    @CsvSource({"17,8", "519,128"})
    void laterWindowsUseAFullContext(int length, int window) {
        int[] tokens = new int[length];
        List<ScoreRow> rows = RollingWindows.of(tokens, PREFIX, window);
        assertThat(rows.get(0).input()[0]).isEqualTo(PREFIX);
        assertThat(rows.subList(1, rows.size())).allSatisfy(r -> assertThat(r.input()).hasSize(window));
        assertThat(rows).hasSize((length + window - 1) / window);
    }
}
