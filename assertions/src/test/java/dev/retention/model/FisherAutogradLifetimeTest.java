package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.internal.ScoreRow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What a Fisher estimate's backward pass reads must outlive the forward pass's Java objects: a garbage
 * collection between forward and backward changes nothing. DJL's scalar operations ({@code mul(Number)}
 * and kin) once put operands over Java buffers that they released at once while autograd kept them, so
 * a collection at the wrong moment made gradients wrong or NaN (the intermittent Fisher failure); each
 * fixture covers scalar operands of its family (attention scale; GELU constants; soft-capping and the
 * embedding scale; residual, embedding and logit multipliers).
 */
class FisherAutogradLifetimeTest {

    private static final List<ScoreRow> ROWS = List.of(
            new ScoreRow(new int[] {11, 42, 7, 300, 5, 19, 77, 123}, 4, new int[] {5, 19, 77, 123}),
            new ScoreRow(new int[] {64, 3, 9, 250, 31, 8}, 2, new int[] {9, 250, 31, 8}),
            new ScoreRow(new int[] {400, 12, 12, 6, 90, 600, 2, 17, 28}, 5, new int[] {600, 2, 17, 28}));

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "gemma2", "granite"})
    void aGarbageCollectionBetweenForwardAndBackwardChangesNoGradient(String family) {
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        Map<String, Double> quiet;
        try (DiagonalFisher f = DiagonalFisher.estimate(Fixtures.hf(family), cpu, ROWS, n -> { })) {
            quiet = f.trace();
        }
        Map<String, Double> collected;
        try (DiagonalFisher f = DiagonalFisher.estimate(Fixtures.hf(family), cpu, ROWS, n -> { },
                FisherAutogradLifetimeTest::collectGarbage)) {
            collected = f.trace();
        }
        assertThat(quiet.values()).as("the estimate of %s", family).allMatch(Double::isFinite)
                .anyMatch(v -> v > 0);
        // Same JVM, threads and rows: the estimates agree bit for bit here (measured); 1e-6 relative leaves room
        // for a BLAS that picks its path by buffer alignment, while what the test catches is NaN or a
        // refusal (before the fix, every family) or errors of 1e-4 and more
        assertThat(collected.keySet()).as("parameters of %s", family).isEqualTo(quiet.keySet());
        quiet.forEach((name, want) -> assertThat(collected.get(name))
                .as("%s %s with a collection before each backward pass", family, name)
                .isCloseTo(want, within(1e-6 * Math.abs(want))));
    }

    /** A collection, then a pause for the cleaner thread that frees unreachable direct buffers. */
    private static void collectGarbage() {
        System.gc();
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.gc();
    }
}
