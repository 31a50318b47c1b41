package dev.retention.model.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code retention.threads} and {@code retention.streams}: valid counts are used, anything else is
 * refused naming the key, each stream thread gets its share of the threads with gradients off, and the
 * setting is printed once per JVM. libtorch starts once per JVM, so the start itself is
 * checked in fresh JVMs ({@link Probe}).
 */
class EngineThreadsTest {

    /** What the line says of glibc's allocator (NativeHeapTest checks the setting itself); nothing without glibc. */
    private static final String MALLOC = NativeHeap.available() ? ", malloc mmap threshold 4 MiB" : "";

    @Test
    void unsetMeansOneThreadPerCore() {
        assertThat(EngineThreads.threads(null, 2)).isEqualTo(2);
        assertThat(EngineThreads.threads(null, 16)).isEqualTo(16);
    }

    @Test
    void aPositiveCountIsUsed() {
        assertThat(EngineThreads.threads("1", 2)).isEqualTo(1);
        assertThat(EngineThreads.threads(" 4 ", 2)).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-2", "two", "1.5", "", " ", "99999999999"})
    void anythingElseIsRefusedNamingTheKey(String value) {
        assertThatThrownBy(() -> EngineThreads.threads(value, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retention.threads = '" + value + "' is invalid; expected a positive number of libtorch "
                        + "intra-op threads");
    }

    @Test
    void aBadValueStopsTheEngineStartNamingTheKey() throws Exception {
        ProbeJvm.Result r = probe("-Dretention.threads=two");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).contains("java.lang.IllegalArgumentException: retention.threads = 'two' is invalid; "
                + "expected a positive number of libtorch intra-op threads");
        assertThat(r.stdout()).doesNotContain("engine started");
    }

    @Test
    void theSettingIsPrintedOnceWhenLibtorchStarts() throws Exception {
        ProbeJvm.Result r = probe("-Dretention.threads=1");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: ")))
                .containsExactly("retention: 1 stream x 1 libtorch intra-op thread (retention.threads), OMP_WAIT_POLICY=PASSIVE"
                        + MALLOC);
        assertThat(r.stdout()).contains("engine started: PyTorch, ai.djl.pytorch.num_threads=1");
    }

    @Test
    void unsetStreamsMeansTwoWhenThereAreTwoThreadsOrMoreAndNeverMoreThanThreads() {
        assertThat(EngineThreads.streams(null, 1)).isEqualTo(1);
        assertThat(EngineThreads.streams(null, 2)).isEqualTo(2);
        assertThat(EngineThreads.streams(null, 16)).isEqualTo(2);
        assertThat(EngineThreads.streams(" 3 ", 4)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "two", "", "5"})
    void aStreamCountThatIsNotFromOneToTheThreadsIsRefusedNamingBothKeys(String value) {
        assertThatThrownBy(() -> EngineThreads.streams(value, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("retention.streams = '" + value + "' is invalid; expected a number of batches run at once, "
                        + "from 1 to retention.threads (4)");
    }

    @Test
    void eachStreamThreadGetsItsShareOfTheThreadsWithGradientsOff() throws Exception {
        ProbeJvm.Result r = probe("-Dretention.threads=4", "-Dretention.streams=2");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: "))).containsExactly(
                "retention: 2 streams x 2 libtorch intra-op threads (retention.threads, retention.streams), "
                        + "OMP_WAIT_POLICY=PASSIVE" + MALLOC);
        assertThat(r.stdout()).contains("engine started: PyTorch, ai.djl.pytorch.num_threads=2")
                .contains("stream thread: intra-op threads 2, grad mode false");
    }

    @Test
    void aBadStreamCountStopsTheEngineStartNamingTheKey() throws Exception {
        ProbeJvm.Result r = probe("-Dretention.threads=2", "-Dretention.streams=3");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).contains("retention.streams = '3' is invalid; expected a number of batches run at once, "
                + "from 1 to retention.threads (2)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"OMP_WAIT_POLICY=ACTIVE", "GOMP_SPINCOUNT=5000"})
    void anOpenMpWaitSettingFromTheEnvironmentIsKeptAndSaid(String setting) throws Exception {
        ProbeJvm.Result r = probe(List.of(setting), "-Dretention.threads=1");
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("retention: "))).containsExactly(
                "retention: 1 stream x 1 libtorch intra-op thread (retention.threads), " + setting
                        + " (from the environment)" + MALLOC);
    }

    private static ProbeJvm.Result probe(String... jvmArgs) throws IOException, InterruptedException {
        return probe(List.of(), jvmArgs);
    }

    private static ProbeJvm.Result probe(List<String> env, String... jvmArgs) throws IOException, InterruptedException {
        return ProbeJvm.run(Probe.class, env, List.of(jvmArgs), List.of());
    }

    /** Starts the engine twice in a fresh JVM and says which thread count DJL got. */
    static final class Probe {
        private Probe() {
        }

        public static void main(String[] args) throws Exception {
            String name = EngineThreads.pytorch().getEngineName();
            EngineThreads.pytorch();
            System.out.println("engine started: " + name + ", ai.djl.pytorch.num_threads="
                    + System.getProperty("ai.djl.pytorch.num_threads"));
            System.out.println(EngineThreads.streamExecutor().submit(() -> "stream thread: intra-op threads "
                    + ai.djl.pytorch.jni.JniUtils.getNumThreads() + ", grad mode "
                    + ai.djl.pytorch.jni.JniUtils.isGradMode()).get());
        }
    }
}
