package dev.retention.model;

import dev.retention.model.internal.TokenScores;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Two scorings of the same rows agree: every target's log-probability within a tolerance, every argmax exactly. */
final class ScoresAgree {

    private ScoresAgree() {
    }

    static void perToken(List<TokenScores> expected, List<TokenScores> actual, double tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int r = 0; r < expected.size(); r++) {
            double[] x = expected.get(r).logProbs();
            double[] y = actual.get(r).logProbs();
            assertThat(y).as("%s row %d", what, r).hasSameSizeAs(x);
            for (int j = 0; j < x.length; j++) {
                assertThat(y[j]).as("%s row %d target %d", what, r, j).isCloseTo(x[j], within(tolerance));
            }
            assertThat(actual.get(r).argmax()).as("%s row %d argmax", what, r).isEqualTo(expected.get(r).argmax());
        }
    }
}
