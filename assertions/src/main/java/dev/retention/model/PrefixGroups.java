package dev.retention.model;

import java.util.ArrayList;
import java.util.List;
import dev.retention.model.internal.ScoreRow;

/**
 * Consecutive score rows grouped by a shared input prefix: the choices of a multiple-choice item
 * share the context tokens, so the context can run once. A row joins the current group while the
 * group's common prefix stays at least {@link #MIN_SHARED} tokens; every prefix leaves each member
 * at least one token of its own (the query that predicts its next token).
 */
record PrefixGroups(List<int[]> inputs, int[] group, int[] prefix) {

    /**
     * Sharing fewer tokens than this saves little, while a packed row (the prefix, then every member's
     * own tokens) is longer than any member and pads its batch.
     */
    static final int MIN_SHARED = 8;

    static PrefixGroups of(List<ScoreRow> rows) {
        int n = rows.size();
        List<int[]> inputs = new ArrayList<>(n);
        int[] group = new int[n];
        List<Integer> prefixes = new ArrayList<>();
        int[] current = null;
        int shared = 0;
        for (int r = 0; r < n; r++) {
            int[] in = rows.get(r).input();
            inputs.add(in);
            if (current != null) {
                int common = Math.min(Math.min(shared, commonPrefix(current, in)), in.length - 1);
                if (common >= MIN_SHARED) {
                    shared = common;
                    prefixes.set(prefixes.size() - 1, shared);
                    group[r] = prefixes.size() - 1;
                    continue;
                }
            }
            current = in;
            shared = in.length - 1;
            prefixes.add(shared);
            group[r] = prefixes.size() - 1;
        }
        return new PrefixGroups(inputs, group, prefixes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Whether any group has several rows (otherwise the plain pass does the same work). */
    boolean worthIt() {
        return prefix.length < group.length;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
