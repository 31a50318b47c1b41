package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.internal.ScoreRow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scoring projects a few target rows to logits at a time (a batch's whole {@code [targets, vocab]} logits would be
 * its largest array): any chunk size gives the scores of one projection of every row.
 */
class ScoringChunksTest {

    private static final List<ScoreRow> ROWS = List.of(
            new ScoreRow(new int[] {40, 41, 42, 43, 44, 45, 46, 47}, 4, new int[] {45, 46, 47, 48}),
            new ScoreRow(new int[] {40, 41, 42, 43, 44, 45, 52}, 5, new int[] {52, 53}),
            new ScoreRow(new int[] {60, 61, 62}, 1, new int[] {62, 63}));

    @ParameterizedTest(name = "{0} rows at a time")
    @ValueSource(ints = {1, 2, 3, 7})
    void anyChunkSizeScoresAsOneProjection(int chunk) {
        try (CausalLm lm = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"))) {
            assertThat(Scoring.rowsPerChunk(lm.vocabSize())).isGreaterThanOrEqualTo(8); // the default: one projection
            for (boolean share : new boolean[] {false, true}) {
                ScoresAgree.perToken(Scoring.score(lm, ROWS, share, 8), Scoring.score(lm, ROWS, share, chunk), 1e-5,
                        "sharing " + share);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void rowsPerChunkKeepsAboutFourMillionLogitsAndAtLeastOneRow() {
        assertThat(Scoring.rowsPerChunk(49_152)).isEqualTo(85);
        assertThat(Scoring.rowsPerChunk(262_144)).isEqualTo(16);
        assertThat(Scoring.rowsPerChunk(Integer.MAX_VALUE)).isEqualTo(1);
    }
}
