package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import dev.retention.model.internal.EngineThreads;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.TokenScores;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A natively run model takes calls from several streams at once (they share its call lock): each call
 * gives what it gives alone, and {@code close()} waits for the calls running when it is called.
 */
class ConcurrentCallsTest {

    private static List<ScoreRow> rows(int seed) {
        List<ScoreRow> rows = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int[] in = new int[6 + r];
            for (int j = 0; j < in.length; j++) {
                in[j] = 3 + (seed * 7 + r * 5 + j * 3) % 90;
            }
            rows.add(new ScoreRow(in, in.length - 2, new int[] {in[in.length - 1], 4 + seed % 50}));
        }
        return rows;
    }

    @Test
    void callsFromSeveralThreadsAtOnceScoreAsTheyDoOneAtATime() throws Exception {
        try (CausalLm lm = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"))) {
            assertThat(lm.concurrentCalls()).isEqualTo(EngineThreads.streams());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<List<TokenScores>> alone = new ArrayList<>();
                for (int s = 0; s < 16; s++) {
                    int seed = s;
                    alone.add(pool.submit(() -> lm.score(rows(seed))).get()); // one at a time, on the pool's threads
                }
                List<Future<List<TokenScores>>> together = new ArrayList<>();
                for (int s = 0; s < 16; s++) {
                    int seed = s;
                    together.add(pool.submit(() -> lm.score(rows(seed))));
                }
                for (int s = 0; s < 16; s++) {
                    // per scored token: a BLAS may split a product differently while another call runs, which changes
                    // float32 rounding only; calls that read each other's arrays differ by whole nats
                    ScoresAgree.perToken(alone.get(s), together.get(s).get(60, TimeUnit.SECONDS), 1e-6, "call " + s);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aRunningCallLetsOtherCallsInButCloseWaitsForIt() throws Exception {
        CausalLm lm = CausalLm.load(Fixtures.hf("llama"), ModelOptions.defaults().withDevice("cpu"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> closed = lm.calling(() -> {
                try {
                    // another call runs to the end while this one holds the call lock
                    assertThat(pool.submit(() -> lm.score(rows(1))).get(60, TimeUnit.SECONDS)).hasSize(4);
                    Future<?> closing = pool.submit(lm::close);
                    Thread.sleep(300);
                    assertThat(closing.isDone()).as("close() returned during a call").isFalse();
                    return closing;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            closed.get(60, TimeUnit.SECONDS); // the call has ended, so close() completes
            assertThatThrownBy(() -> lm.score(rows(1))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("llama is closed");
        } finally {
            pool.shutdownNow();
            lm.close();
        }
    }
}
