package dev.retention.examples;

import dev.retention.assertions.CategoryVerdict;
import dev.retention.assertions.RetentionEvents;
import dev.retention.assertions.RetentionSoftAssertions;
import dev.retention.assertions.ScoredModel;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.ProgressListener;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.report.ReportFiles;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The forgetting lab: every fine-tuning recipe of the fixture model {@code base} compared with it,
 * in one table, plus an HTML and JSON report. Uses Retention without JUnit, as any {@code main} can.
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -DskipTests -pl examples -am verify}.
 */
public final class ForgettingLab {

    static final double TOLERANCE = 0.05;
    static final double REQUIRED_GAIN = 0.30;

    private ForgettingLab() {
    }

    /**
     * Runs the lab: compares every recipe with {@code base}, prints the table and writes the reports.
     *
     * @param args ignored
     * @throws Exception when a fixture cannot be loaded or a report cannot be written
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("retention.stdout", "false");
        EvalConfig config = EvalConfig.defaults().withProgress(ProgressListener.toStandardError(), Duration.ofSeconds(10));
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        Suite general = Suite.load(Fixtures.generalSuite());
        Suite domain = Suite.load(Fixtures.domainSuite());
        String text = Files.readString(Fixtures.generalText());
        List<String[]> table = new ArrayList<>();
        RetentionReport report = RetentionReport.create();
        RetentionEvents.Registration rows = RetentionEvents.register((kind, verdicts) -> verdicts.forEach(
                v -> table.add(row(kind, v))));
        try (CausalLm baseModel = CausalLm.load(Fixtures.model("base"), cpu)) {
            ScoredModel base = ScoredModel.of(baseModel, config);
            report.model(baseModel.name(), baseModel.fingerprint(), baseModel.directory().toString());
            for (String recipe : Fixtures.RECIPES) {
                RetentionEvents.Registration tagged = RetentionEvents.register(
                        report.listener(ForgettingLab.class.getSimpleName(), recipe));
                try (CausalLm model = CausalLm.load(Fixtures.model(recipe), cpu)) {
                    report.model(model.name(), model.fingerprint(), model.directory().toString());
                    ScoredModel tuned = ScoredModel.of(model, config);
                    RetentionSoftAssertions softly = new RetentionSoftAssertions();
                    softly.assertThatModel(tuned).retains(base).on(general).onEveryCategory().within(TOLERANCE);
                    softly.assertThatModel(tuned).improvesOn(base).on(domain).onCategory("support").byAtLeast(REQUIRED_GAIN);
                    softly.assertThatModel(tuned).retains(base).perplexityOn(text).withinFactor(1.5);
                } finally {
                    tagged.close();
                }
            }
            print(table);
            report.setting("tolerance", "δ = " + TOLERANCE + " (general), gain ≥ " + REQUIRED_GAIN + " (support)");
            report.setting("batch size", Integer.toString(config.batchSize()));
            ReportFiles files = report.write(Path.of("target", "retention"));
            System.out.println();
            System.out.println("Report: " + files.html());
            System.out.println("        " + files.json());
            System.out.println("Latest: " + files.latestHtml() + " (every run: " + files.index() + ")");
        } finally {
            rows.close();
        }
    }

    private static String[] row(String kind, CategoryVerdict v) {
        String verdict = kind.equals("improvement") ? (v.passed() ? "learned" : "NOT LEARNED")
                : (v.passed() ? "retained" : "FORGOTTEN");
        return new String[] {v.tuned(), v.suite() + "/" + v.category(), f(v.baselineAccuracy()), f(v.tunedAccuracy()),
                String.format(Locale.ROOT, "%+.3f", v.delta()), verdict};
    }

    private static void print(List<String[]> table) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Forgetting lab: every recipe fine-tuned from 'base', compared with it%n"
                + "(general: retained if tuned >= baseline - %.2f; support: learned if the gain is >= %.2f)%n%n",
                TOLERANCE, REQUIRED_GAIN);
        String fmt = "%-10s %-20s %8s %7s %7s  %s%n";
        System.out.printf(Locale.ROOT, fmt, "recipe", "category", "baseline", "tuned", "delta", "verdict");
        String last = "";
        for (String[] r : table) {
            if (!r[0].equals(last) && !last.isEmpty()) {
                System.out.println();
            }
            last = r[0];
            System.out.printf(Locale.ROOT, fmt, (Object[]) r);
        }
    }

    private static String f(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
