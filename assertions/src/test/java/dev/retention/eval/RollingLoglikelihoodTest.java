package dev.retention.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Word perplexity's unit, counted once for scorecards and for perplexity assertions. */
class RollingLoglikelihoodTest {

    @Test
    void wordsAreCountedAsLmEvaluationHarnessSplitsThem() {
        // len(re.split(r"\s+", text)): leading or trailing whitespace leaves an empty piece, which counts
        assertThat(RollingLoglikelihood.words("The capital of France")).isEqualTo(4);
        assertThat(RollingLoglikelihood.words(" two\t\nwords ")).isEqualTo(4);
        assertThat(RollingLoglikelihood.words("")).isEqualTo(1);
        assertThat(RollingLoglikelihood.words("no\u00a0break")).isEqualTo(2); // Python's \s is Unicode-aware
    }
}
