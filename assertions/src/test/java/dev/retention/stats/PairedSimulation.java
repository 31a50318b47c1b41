package dev.retention.stats;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Test support: paired-sample generator and exact operating characteristics of the margin tests.
 *
 * <p>Items are i.i.d. over four cells: both right ({@code 1 - q_b - q_c - bothWrong}), regression
 * {@code q_b} (baseline right, tuned wrong), improvement {@code q_c}, both wrong. Baseline accuracy is
 * therefore {@code 1 - bothWrong - q_c} and the true {@code Delta = q_c - q_b}.
 */
final class PairedSimulation {

    final int n;
    final double regression;
    final double improvement;
    final double bothWrong;

    /** Scenario from baseline accuracy, discordance rate {@code q_b + q_c} and true {@code Delta}. */
    PairedSimulation(int n, double baselineAccuracy, double discordance, double trueDelta) {
        this.n = n;
        this.regression = (discordance - trueDelta) / 2;
        this.improvement = (discordance + trueDelta) / 2;
        this.bothWrong = 1.0 - baselineAccuracy - improvement;
        double bothRight = baselineAccuracy - regression;
        if (regression < 0 || improvement < 0 || bothWrong < 0 || bothRight < 0) {
            throw new IllegalArgumentException("impossible scenario");
        }
    }

    double baselineAccuracy() {
        return 1.0 - bothWrong - improvement;
    }

    /** One simulated evaluation of both models on {@code n} items: {baseline, tuned} correctness. */
    boolean[][] sampleItems(SplittableRandom random) {
        boolean[] baseline = new boolean[n];
        boolean[] tuned = new boolean[n];
        double bothRight = 1.0 - regression - improvement - bothWrong;
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            if (u < bothRight) {
                baseline[i] = true;
                tuned[i] = true;
            } else if (u < bothRight + regression) {
                baseline[i] = true;
            } else if (u < bothRight + regression + improvement) {
                tuned[i] = true;
            }
        }
        return new boolean[][] {baseline, tuned};
    }

    /** The paired table of one simulated evaluation. */
    PairedCounts sample(SplittableRandom random) {
        boolean[][] items = sampleItems(random);
        return PairedCounts.of(items[0], items[1]);
    }

    /**
     * Largest (lower tail) or smallest (upper tail) attainable statistic whose exact p-value is at most
     * {@code alpha}, by bisection over the sorted attainable statistics; the p-value is a monotone
     * function of the observed statistic because the rejection regions are nested. NaN if no table
     * rejects.
     */
    static double criticalStatistic(ExactUnconditional exact, ExactUnconditional.Tail tail,
            double alpha) {
        int n = exact.n();
        double[] z = new double[(n + 1) * (n + 2) / 2];
        int k = 0;
        for (int b = 0; b <= n; b++) {
            for (int c = 0; c <= n - b; c++) {
                z[k++] = tail == ExactUnconditional.Tail.LOWER ? exact.statistic(b, c) : -exact.statistic(b, c);
            }
        }
        Arrays.sort(z); // most extreme first
        int lo = -1;
        int hi = z.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            double candidate = tail == ExactUnconditional.Tail.LOWER ? z[mid] : -z[mid];
            if (exact.supremum(exact.region(candidate, tail)).probability() <= alpha) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo < 0) {
            return Double.NaN;
        }
        return tail == ExactUnconditional.Tail.LOWER ? z[lo] : -z[lo];
    }

    /**
     * Exact probability that the test rejects at critical statistic {@code critical}, under this
     * scenario's true cell probabilities: naive sum over all tables of the trinomial probability, in
     * log space (independent of the production evaluator).
     */
    double rejectionProbability(ExactUnconditional exact, ExactUnconditional.Tail tail,
            double critical) {
        if (Double.isNaN(critical)) {
            return 0.0;
        }
        double tolerance = ExactUnconditional.TIE_TOLERANCE * Math.max(1.0, Math.abs(critical));
        double concordant = 1.0 - regression - improvement;
        double sum = 0.0;
        for (int b = 0; b <= n; b++) {
            for (int c = 0; c <= n - b; c++) {
                double z = exact.statistic(b, c);
                boolean rejects = tail == ExactUnconditional.Tail.LOWER
                        ? z <= critical + tolerance
                        : z >= critical - tolerance;
                if (rejects) {
                    sum += trinomial(n, b, c, regression, improvement, concordant);
                }
            }
        }
        return sum;
    }

    /** Naive trinomial probability {@code n!/(b! c! m!) qb^b qc^c qo^m} in log space. */
    static double trinomial(int n, int b, int c, double qb, double qc, double qo) {
        int m = n - b - c;
        double log = logFactorial(n) - logFactorial(b) - logFactorial(c) - logFactorial(m)
                + xLogY(b, qb) + xLogY(c, qc) + xLogY(m, qo);
        return Math.exp(log);
    }

    private static double xLogY(int x, double y) {
        return x == 0 ? 0.0 : x * Math.log(y);
    }

    /** {@code ln k!} by direct summation (deliberately not the production Stirling formula). */
    static double logFactorial(int k) {
        double sum = 0.0;
        for (int i = 2; i <= k; i++) {
            sum += Math.log(i);
        }
        return sum;
    }
}
