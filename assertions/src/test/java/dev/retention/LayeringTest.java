package dev.retention;

import dev.retention.fixtures.internal.JavaSources;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data flows one way, model → suite → eval → diagnostics → assertions → report (stats beside them): a
 * package may refer only to the layers below it, by import (single-type, static or wildcard) or by a
 * fully-qualified name in code. {@code io} (atomic file writes, content hashing) sits below everything.
 * {@code stats} is pure mathematics with no Retention imports; eval uses it for the Wilson intervals of
 * scorecards. The module never refers to JUnit, so a plain {@code main} can score and assert.
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

    @Test
    void lowerLayersNeverReferToHigherOnesAndNothingRefersToJUnit() throws IOException {
        Path root = Path.of("src/main/java/dev/retention");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                String layer = root.relativize(f).getName(0).toString();
                assertThat(MAY_IMPORT).as("layer of " + f).containsKey(layer);
                violations.addAll(violations(f, layer, Files.readString(f)));
            }
        }
        assertThat(files).isGreaterThan(40);
        assertThat(violations).isEmpty();
    }

    @Test
    void aWildcardImportOrAQualifiedNameOfAHigherLayerIsAViolation() {
        String source = """
                package dev.retention.model;

                import dev.retention.eval.*;
                import static dev.retention.assertions.RetentionAssertions.*;
                import dev.retention.io.internal.AtomicFiles;

                class Sneaky {
                    /** {@link dev.retention.report.RetentionReport} in Javadoc is not a reference. */
                    dev.retention.suite.Suite suite;
                    Object test = org.junit.jupiter.api.Assertions.class;
                }
                """;
        assertThat(violations(Path.of("Sneaky.java"), "model", source)).containsExactly(
                "Sneaky.java (model) imports everything of dev.retention.eval (line 3)",
                "Sneaky.java (model) imports everything of dev.retention.assertions.RetentionAssertions (line 4)",
                "Sneaky.java (model) names dev.retention.suite.Suite (line 9)",
                "Sneaky.java (model) names org.junit.jupiter.api.Assertions (line 10)");
    }

    private static List<String> violations(Path file, String layer, String source) {
        List<String> violations = new ArrayList<>();
        for (JavaSources.Reference r : JavaSources.references(source)) {
            if (r.isIn("org.junit")) {
                violations.add(file + " (" + layer + ") " + r);
            } else if (r.isIn("dev.retention")) {
                String[] parts = r.name().split("\\.");
                String other = parts.length > 2 ? parts[2] : "";
                if (!other.equals(layer) && !MAY_IMPORT.get(layer).contains(other)) {
                    violations.add(file + " (" + layer + ") " + r);
                }
            }
        }
        return violations;
    }
}
