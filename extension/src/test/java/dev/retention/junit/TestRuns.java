package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;

/** Runs sample test classes through the Jupiter engine, capturing what they print. */
final class TestRuns {

    /** The engine's results and everything printed to standard output during the run. */
    record Run(EngineExecutionResults results, String stdout) {
        List<String> lines(String prefix) {
            return stdout.lines().filter(l -> l.startsWith(prefix)).toList();
        }
    }

    private TestRuns() {
    }

    /** A private scorecard cache and report directory under {@code work}, on the CPU; models come from the classes. */
    static Map<String, String> privateConfig(Path work) {
        Map<String, String> c = new HashMap<>();
        c.put("retention.cache.dir", work.resolve("cache").toString());
        c.put("retention.report.dir", work.resolve("report").toString());
        c.put("retention.device", "cpu");
        return c;
    }

    /** Configuration pointing at the fixture models and general suite, with a private cache and report dir. */
    static Map<String, String> fixtureConfig(Path work) {
        Map<String, String> c = privateConfig(work);
        c.put("retention.baseline", Fixtures.model("base").toString());
        c.put("retention.tuned", Fixtures.model("lora").toString());
        c.put("retention.suite", Fixtures.generalSuite().toString());
        return c;
    }

    static Map<String, String> parallel(Map<String, String> config) {
        Map<String, String> c = new HashMap<>(config);
        c.put("junit.jupiter.execution.parallel.enabled", "true");
        c.put("junit.jupiter.execution.parallel.mode.default", "concurrent");
        c.put("junit.jupiter.execution.parallel.mode.classes.default", "concurrent");
        return c;
    }

    static synchronized Run run(Map<String, String> config, Class<?>... classes) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                    .configurationParameters(config)
                    .selectors(Arrays.stream(classes).map(DiscoverySelectors::selectClass)
                            .toArray(org.junit.platform.engine.DiscoverySelector[]::new))
                    .execute();
            return new Run(results, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.out.flush();
            System.setOut(original);
        }
    }

    /** Writes to the real stdout (so Surefire still shows it) and to a buffer. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public synchronized void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }

    /** One test per category of the run's suite: the tuned model retains the baseline within 0.05 on each. */
    @RetentionTest
    static class RetainsEveryCategory {
        @Baseline
        ScoredModel base;
        @Tuned
        ScoredModel tuned;

        @ParameterizedTest(name = "{0}")
        @CategorySource
        void retainsEveryCategory(String category) {
            assertThatModel(tuned).retains(base).onCategory(category).within(0.05);
        }
    }
}
