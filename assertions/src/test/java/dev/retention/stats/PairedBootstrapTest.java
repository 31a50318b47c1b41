package dev.retention.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {

    @Test
    void rejectsFewerThanTenThousandResamples() {
        assertThatThrownBy(() -> new PairedBootstrap(9_999, 0.95, 1L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10000");
        assertThatThrownBy(() -> new PairedBootstrap(10_000, 1.5, 1L))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentilesFollowTheType7Definition() {
        // A statistic that returns 0, 1, ..., 9999 on successive resamples: sorted replicates are 0..9999,
        // so h = 9999 p, Q(0.025) = 249.975 and Q(0.975) = 9749.025 (by hand, and numpy.percentile).
        PairedBootstrap bootstrap = new PairedBootstrap(10_000, 0.95, 7L);
        int[] counter = {0};
        Interval interval = bootstrap.interval(3, w -> counter[0]++);
        assertThat(interval.lower()).isCloseTo(249.975, within(1e-9));
        assertThat(interval.upper()).isCloseTo(9749.025, within(1e-9));
        assertThat(interval.confidence()).isEqualTo(0.95);
    }

    @Test
    void sameSeedGivesTheSameIntervalAndAnotherSeedDoesNot() {
        Paired data = Paired.simulate(300, 0.85, 0.16, -0.05, 11L);
        Interval first = new PairedBootstrap(10_000, 0.95, 42L).accuracyDifference(data.baseline, data.tuned);
        Interval again = new PairedBootstrap(10_000, 0.95, 42L).accuracyDifference(data.baseline, data.tuned);
        Interval other = new PairedBootstrap(10_000, 0.95, 43L).accuracyDifference(data.baseline, data.tuned);
        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void accuracyDifferenceUsesTheSameResamplesAsTheGeneralForm() {
        Paired data = Paired.simulate(250, 0.8, 0.2, -0.04, 5L);
        PairedBootstrap bootstrap = new PairedBootstrap(10_000, 0.9, 99L);
        Interval special = bootstrap.accuracyDifference(data.baseline, data.tuned);
        Interval general = bootstrap.interval(data.baseline.length, PairedStatistic.difference(
                PairedStatistic.accuracy(data.tuned), PairedStatistic.accuracy(data.baseline)));
        assertThat(general.lower()).isCloseTo(special.lower(), within(1e-12));
        assertThat(general.upper()).isCloseTo(special.upper(), within(1e-12));
    }

    @Test
    void intervalAgreesWithNormalTheoryForALargeSuite() {
        // Delta = (c - b)/n with Var = ((b + c)/n - Delta^2)/n for the paired difference.
        boolean[] baseline = new boolean[1000];
        boolean[] tuned = new boolean[1000];
        for (int i = 0; i < 1000; i++) {
            baseline[i] = i < 800;
            tuned[i] = (i >= 120 && i < 800) || (i >= 800 && i < 850); // b = 120, c = 50
        }
        double delta = -0.07;
        double se = Math.sqrt((0.17 - delta * delta) / 1000);
        Interval interval = new PairedBootstrap(20_000, 0.95, 2024L).accuracyDifference(baseline, tuned);
        assertThat(interval.lower()).isCloseTo(delta - 1.959964 * se, within(0.002));
        assertThat(interval.upper()).isCloseTo(delta + 1.959964 * se, within(0.002));
    }

    @Test
    void pairedResamplingCancelsSharedItemDifficulty() {
        // Tuned NLL is exactly 10% above baseline on every item, with wildly varying item difficulty:
        // resampling both models on the same indices leaves the pooled ratio at 1.1 on every resample.
        SplittableRandom random = new SplittableRandom(3L);
        int n = 400;
        double[] tokens = new double[n];
        double[] nllBase = new double[n];
        double[] nllTuned = new double[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = 5 + random.nextInt(200);
            nllBase[i] = tokens[i] * (0.5 + 4 * random.nextDouble());
            nllTuned[i] = 1.1 * nllBase[i];
        }
        Interval interval = new PairedBootstrap(10_000, 0.95, 8L).interval(n, PairedStatistic.ratio(
                PairedStatistic.pooledRatio(nllTuned, tokens), PairedStatistic.pooledRatio(nllBase, tokens)));
        assertThat(interval.lower()).isCloseTo(1.1, within(1e-12));
        assertThat(interval.upper()).isCloseTo(1.1, within(1e-12));
    }

    @Test
    void coversTheTrueDifferenceAtAboutTheNominalRate() {
        // 200 simulated suites (n = 120, true Delta = -0.05): a 95% interval should miss ~10 times;
        // percentile intervals undercover slightly at small n, so require >= 90% (binomial sd 1.5%).
        int covered = 0;
        int suites = 200;
        for (int s = 0; s < suites; s++) {
            Paired data = Paired.simulate(120, 0.8, 0.2, -0.05, 1000L + s);
            Interval interval = new PairedBootstrap(10_000, 0.95, s).accuracyDifference(data.baseline, data.tuned);
            if (interval.contains(-0.05)) {
                covered++;
            }
        }
        System.out.printf("bootstrap coverage of true Delta: %d/%d%n", covered, suites);
        assertThat(covered).isGreaterThanOrEqualTo(180).isLessThanOrEqualTo(suites);
    }

    @Test
    void rejectsStatisticsThatAreNotFinite() {
        PairedBootstrap bootstrap = new PairedBootstrap(10_000, 0.95, 1L);
        assertThatThrownBy(() -> bootstrap.interval(10, w -> Double.NaN))
                .isInstanceOf(IllegalStateException.class);
    }

    /** A simulated pair of correctness vectors. */
    private static final class Paired {
        final boolean[] baseline;
        final boolean[] tuned;

        private Paired(boolean[][] items) {
            baseline = items[0];
            tuned = items[1];
        }

        static Paired simulate(int n, double baselineAccuracy, double discordance, double delta,
                long seed) {
            PairedSimulation scenario = new PairedSimulation(n, baselineAccuracy, discordance, delta);
            return new Paired(scenario.sampleItems(new SplittableRandom(seed)));
        }
    }
}
