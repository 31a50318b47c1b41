package dev.retention.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Score rows that share a prefix (the choices of a multiple-choice item), packed one row per group:
 * the shared prefix once, then each member's own tokens (members with identical own tokens share
 * them), every token at the position it has in its unshared row and tagged with its member's
 * segment (0 for the prefix). A mask that lets a token see the prefix and its own segment only then
 * gives each token exactly the context it has unshared.
 */
final class PackedRows {

    /** A group joins a forward pass while its packed length is at least this share of the pass's longest. */
    static final double MIN_FILL = 0.75;

    private final int[][] ids;
    private final int[][] positions;
    private final int[][] segments;
    private final int[] rowLength;
    private final int[] group;
    private final int[] prefix;
    private final int[] start;

    private PackedRows(int[][] ids, int[][] positions, int[][] segments, int[] rowLength, int[] group, int[] prefix,
                       int[] start) {
        this.ids = ids;
        this.positions = positions;
        this.segments = segments;
        this.rowLength = rowLength;
        this.group = group;
        this.prefix = prefix;
        this.start = start;
    }

    /**
     * @param rows input ids of every row
     * @param group the group of each row; rows of one group share their first {@code prefix[group]} ids
     * @param prefix per group, the shared length (at most every member's length − 1)
     */
    static PackedRows of(List<int[]> rows, int[] group, int[] prefix) {
        int k = prefix.length;
        int n = rows.size();
        int[] start = new int[n];
        int[] segment = new int[n];
        List<List<int[]>> members = new ArrayList<>(k);
        List<Map<List<Integer>, Integer>> seen = new ArrayList<>(k);
        int[] length = prefix.clone();
        for (int g = 0; g < k; g++) {
            members.add(new ArrayList<>());
            seen.add(new HashMap<>());
        }
        for (int r = 0; r < n; r++) {
            int g = group[r];
            int[] in = rows.get(r);
            Integer known = seen.get(g).putIfAbsent(Arrays.stream(in, prefix[g], in.length).boxed().toList(), r);
            if (known != null) {
                start[r] = start[known];
                segment[r] = segment[known];
                continue;
            }
            start[r] = length[g];
            segment[r] = members.get(g).size() + 1;
            members.get(g).add(in);
            length[g] += in.length - prefix[g];
        }
        int[][] ids = new int[k][];
        int[][] positions = new int[k][];
        int[][] segments = new int[k][];
        int[] rowLength = new int[k];
        for (int g = 0; g < k; g++) {
            ids[g] = new int[length[g]];
            positions[g] = new int[length[g]];
            segments[g] = new int[length[g]];
            List<int[]> m = members.get(g);
            int slot = 0;
            for (; slot < prefix[g]; slot++) {
                ids[g][slot] = m.get(0)[slot];
                positions[g][slot] = slot;
            }
            for (int s = 0; s < m.size(); s++) {
                int[] in = m.get(s);
                for (int c = prefix[g]; c < in.length; c++, slot++) {
                    ids[g][slot] = in[c];
                    positions[g][slot] = c;
                    segments[g][slot] = s + 1;
                }
                rowLength[g] = Math.max(rowLength[g], in.length);
            }
        }
        return new PackedRows(ids, positions, segments, rowLength, group, prefix, start);
    }

    int groups() {
        return ids.length;
    }

    /** The packed ids of group {@code g}. */
    int[] ids(int g) {
        return ids[g];
    }

    /** Each packed token's position in its unshared row. */
    int[] positions(int g) {
        return positions[g];
    }

    /** Each packed token's segment: 0 for the shared prefix, then one per distinct member. */
    int[] segments(int g) {
        return segments[g];
    }

    /** The longest unshared row of group {@code g} (what length-dependent RoPE would see). */
    int rowLength(int g) {
        return rowLength[g];
    }

    int groupOf(int row) {
        return group[row];
    }

    /** The slot in its group's packed row of column {@code column} of unshared row {@code row}. */
    int slot(int row, int column) {
        int p = prefix[group[row]];
        return column < p ? column : start[row] + column - p;
    }

    /**
     * The groups in forward passes: by descending packed length, each pass holding groups of at
     * least {@link #MIN_FILL} of its longest, so a few long groups do not pad many short ones.
     */
    List<int[]> passes() {
        Integer[] order = new Integer[ids.length];
        for (int g = 0; g < order.length; g++) {
            order[g] = g;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(ids[b].length, ids[a].length));
        List<int[]> out = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            int to = from + 1;
            while (to < order.length && ids[order[to]].length >= MIN_FILL * ids[order[from]].length) {
                to++;
            }
            out.add(Arrays.stream(order, from, to).mapToInt(Integer::intValue).toArray());
            from = to;
        }
        return out;
    }
}
