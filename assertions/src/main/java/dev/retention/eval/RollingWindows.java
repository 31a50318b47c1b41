package dev.retention.eval;

import dev.retention.model.internal.ScoreRow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Disjoint windows for the rolling log-likelihood of a long text (lm-evaluation-harness
 * {@code get_rolling_token_windows} with {@code context_len = 1}, then
 * {@code make_disjoint_window}).
 *
 * <p>The first window feeds {@code [prefix] + tokens[0 .. n-1)} and scores {@code tokens[0 .. n)}
 * with {@code n = min(maxLength, len)}; every later window scores the next up to
 * {@code maxLength} tokens, fed by the {@code maxLength} tokens before each one's last target.
 * Every token is scored exactly once, with as much context as fits.
 */
final class RollingWindows {

    private RollingWindows() {
    }

    static List<ScoreRow> of(int[] tokens, int prefixToken, int maxLength) {
        List<ScoreRow> rows = new ArrayList<>();
        if (tokens.length == 0) {
            return rows;
        }
        int first = Math.min(maxLength, tokens.length);
        int[] input = new int[first];
        input[0] = prefixToken;
        System.arraycopy(tokens, 0, input, 1, first - 1);
        rows.add(new ScoreRow(input, 0, Arrays.copyOfRange(tokens, 0, first)));
        int predicted = first;
        while (predicted < tokens.length) {
            int len = Math.min(tokens.length - predicted, maxLength);
            int end = predicted + len;
            int[] in = Arrays.copyOfRange(tokens, end - maxLength - 1, end - 1);
            rows.add(new ScoreRow(in, in.length - len, Arrays.copyOfRange(tokens, end - len, end)));
            predicted = end;
        }
        return rows;
    }
}
