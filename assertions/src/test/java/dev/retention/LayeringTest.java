package dev.retention;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data flows one way, model → suite → eval → diagnostics → assertions → report (stats beside them): a
 * package may import only the
 * layers below it. {@code io} (atomic file writes) sits below everything. {@code stats} is pure mathematics with no Retention imports; eval uses it for
 * the Wilson intervals of scorecards. The module never imports JUnit, so a plain {@code main} can
 * score and assert.
 */
class LayeringTest {

    private static final Map<String, Set<String>> MAY_IMPORT = Map.of(
            "io", Set.of(),
            "model", Set.of("io"),
            "suite", Set.of("io"),
            "stats", Set.of(),
            "eval", Set.of("io", "model", "suite", "stats"),
            "diagnostics", Set.of("io", "model", "suite", "stats", "eval"),
            "assertions", Set.of("io", "model", "suite", "stats", "eval", "diagnostics"),
            "report", Set.of("io", "model", "suite", "stats", "eval", "diagnostics", "assertions"));

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);

    @Test
    void lowerLayersNeverImportHigherOnesAndNothingImportsJUnit() throws IOException {
        Path root = Path.of("src/main/java/dev/retention");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                String layer = root.relativize(f).getName(0).toString();
                assertThat(MAY_IMPORT).as("layer of " + f).containsKey(layer);
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String imported = m.group(1);
                    if (imported.startsWith("org.junit")) {
                        violations.add(f + " imports " + imported);
                    }
                    if (imported.startsWith("dev.retention.")) {
                        String other = imported.split("\\.")[2];
                        if (!other.equals(layer) && !MAY_IMPORT.get(layer).contains(other)) {
                            violations.add(f + " (" + layer + ") imports " + imported + " (" + other + ")");
                        }
                    }
                }
            }
        }
        assertThat(files).isGreaterThan(40);
        assertThat(violations).isEmpty();
    }
}
