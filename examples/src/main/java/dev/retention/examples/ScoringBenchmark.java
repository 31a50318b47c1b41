package dev.retention.examples;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Generation;
import dev.retention.eval.GenerationRequest;
import dev.retention.eval.Loglikelihood;
import dev.retention.eval.LoglikelihoodRequest;
import dev.retention.eval.ProgressListener;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.stats.PairedBootstrap;
import dev.retention.stats.PairedMarginTest;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Throughput and memory of the evaluation engine on a fixture model: items/s and tokens/s of
 * log-likelihood scoring and of greedy generation at batch sizes 1, 8 and 32 (median of five timed
 * passes after two warm-up passes, so libtorch has seen every input shape), then live NDArray
 * counts and heap before and after 10 further scoring passes; last, the cost of the statistics
 * behind every verdict (a 10,000-resample paired bootstrap of 1,000 items, the exact
 * unconditional margin test at its largest exact size, 2,000 items).
 *
 * <p>Run it with {@code mvn -B -q -Pbenchmark -DskipTests -pl examples -am verify}. Figures depend
 * on the machine; compare ratios from one run.
 */
public final class ScoringBenchmark {

    private static final int[] BATCH_SIZES = {1, 8, 32};
    private static final int LEAK_PASSES = 10;

    private ScoringBenchmark() {
    }

    /**
     * Prints scoring and generation throughput, the leak check and the statistics timings for one fixture model.
     *
     * @param args the fixture model's name (default {@code base})
     */
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "base";
        Suite suite = Suite.load(Fixtures.generalSuite());
        List<LoglikelihoodRequest> ll = new ArrayList<>();
        List<GenerationRequest> gen = new ArrayList<>();
        for (SuiteItem item : suite.items()) {
            if (item instanceof SuiteItem.Generate g) {
                ll.add(new LoglikelihoodRequest(g.prompt(), g.answer().orElseThrow()));
                gen.add(new GenerationRequest(g.prompt(), g.maxTokens(), g.stop()));
            } else if (item instanceof SuiteItem.Choice c) {
                c.choices().forEach(ch -> ll.add(new LoglikelihoodRequest(c.context(), c.delimiter() + ch)));
            } else if (item instanceof SuiteItem.Loglikelihood l) {
                ll.add(new LoglikelihoodRequest(l.context(), l.delimiter() + l.answer()));
            }
        }
        try (CausalLm lm = CausalLm.load(Fixtures.model(model), ModelOptions.defaults().withDevice("cpu"))) {
            System.out.printf(Locale.ROOT, "Scoring benchmark: fixture model %s (%s), suite %s: %d log-likelihood "
                            + "requests, %d generation requests; %d CPU cores%n%n", model, lm.device(), suite.name(),
                    ll.size(), gen.size(), Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "%-14s %6s %10s %11s %10s%n", "task", "batch", "items/s", "tokens/s", "seconds");
            double[] llRate = new double[BATCH_SIZES.length];
            for (int i = 0; i < BATCH_SIZES.length; i++) {
                Evaluator ev = Evaluator.of(lm, config(BATCH_SIZES[i]));
                List<Loglikelihood> out = ev.loglikelihood(ll);
                double s = medianMillis(() -> ev.loglikelihood(ll)) / 1e3;
                long tokens = ll.stream().mapToLong(r -> lm.tokenizer().encode(r.context() + r.continuation()).length).sum();
                llRate[i] = out.size() / s;
                System.out.printf(Locale.ROOT, "%-14s %6d %10.1f %11.0f %10.2f%n", "loglikelihood", BATCH_SIZES[i], llRate[i],
                        tokens / s, s);
            }
            for (int b : BATCH_SIZES) {
                Evaluator ev = Evaluator.of(lm, config(b));
                List<Generation> out = ev.generate(gen);
                double s = medianMillis(() -> ev.generate(gen)) / 1e3;
                long tokens = out.stream().mapToLong(g -> g.tokens().length).sum();
                System.out.printf(Locale.ROOT, "%-14s %6d %10.1f %11.0f %10.2f%n", "generate", b, out.size() / s,
                        tokens / s, s);
            }
            System.out.printf(Locale.ROOT, "%nloglikelihood items/s, batch 32 / batch 1: %.1fx%n",
                    llRate[BATCH_SIZES.length - 1] / llRate[0]);

            Evaluator ev = Evaluator.of(lm, config(32));
            int arraysBefore = lm.liveArrayCount();
            long heapBefore = usedHeapAfterGc();
            for (int pass = 0; pass < LEAK_PASSES; pass++) {
                ev.loglikelihood(ll);
                ev.generate(gen.subList(0, 64));
            }
            int arraysAfter = lm.liveArrayCount();
            long heapAfter = usedHeapAfterGc();
            System.out.printf(Locale.ROOT, "live NDArrays under the model: %d before, %d after %d passes (%+d)%n",
                    arraysBefore, arraysAfter, LEAK_PASSES, arraysAfter - arraysBefore);
            System.out.printf(Locale.ROOT, "used heap after GC: %.1f MiB before, %.1f MiB after%n",
                    heapBefore / 1048576.0, heapAfter / 1048576.0);
        }
        statistics();
    }

    /** Median wall time of the statistics, five timed runs after two warm-ups each. */
    private static void statistics() {
        Random random = new Random(7L);
        boolean[] baseline = new boolean[1000];
        boolean[] tuned = new boolean[1000];
        for (int i = 0; i < baseline.length; i++) {
            baseline[i] = random.nextDouble() < 0.85;
            tuned[i] = baseline[i] ? random.nextDouble() < 0.90 : random.nextDouble() < 0.30;
        }
        PairedBootstrap bootstrap = new PairedBootstrap(PairedBootstrap.MIN_RESAMPLES, 0.95, 5L);
        double bootstrapMs = medianMillis(() -> bootstrap.accuracyDifference(baseline, tuned));
        int n = PairedMarginTest.EXACT_MAX_ITEMS;
        double exactMs = medianMillis(() -> PairedMarginTest.retentionWithinMargin(n, 240, 100, 0.10));
        System.out.printf(Locale.ROOT, "%npaired bootstrap, %d resamples of %d items: %.0f ms (median of 5)%n",
                PairedBootstrap.MIN_RESAMPLES, baseline.length, bootstrapMs);
        System.out.printf(Locale.ROOT, "exact unconditional margin test, %d items: %.0f ms (median of 5)%n", n, exactMs);
    }

    private static double medianMillis(Runnable task) {
        task.run();
        task.run();
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            task.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    private static EvalConfig config(int batch) {
        return EvalConfig.defaults().withBatchSize(batch).withProgress(ProgressListener.none(), Duration.ofHours(1));
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
