package dev.retention.junit;

import dev.retention.fixtures.internal.JavaSources;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The extension is the top layer: it refers to Retention only through the packages of retention-assertions
 * (never the test fixtures or the examples), and to the scoring engine only through {@code dev.retention.model}
 * (no DJL, JNA or Jinja of its own), by import (single-type, static or wildcard) or by a fully-qualified name
 * in code.
 */
class LayeringTest {

    private static final Set<String> ASSERTIONS_PACKAGES =
            Set.of("io", "model", "suite", "stats", "eval", "diagnostics", "assertions", "report");
    private static final List<String> BEHIND_THE_MODEL = List.of("ai.djl", "com.sun.jna", "com.hubspot");

    @Test
    void theExtensionRefersOnlyToTheAssertionsModuleAndNeverToTheEngineDirectly() throws IOException {
        Path root = Path.of("src/main/java/dev/retention/junit");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                violations.addAll(violations(f, Files.readString(f)));
            }
        }
        assertThat(files).isGreaterThan(10);
        assertThat(violations).isEmpty();
    }

    @Test
    void aWildcardImportOrAQualifiedNameOutsideTheAllowedPackagesIsAViolation() {
        String source = """
                package dev.retention.junit;

                import dev.retention.fixtures.*;
                import dev.retention.eval.Scorecard;
                import static dev.retention.examples.ForgettingLab.*;

                class Sneaky {
                    /** {@link ai.djl.ndarray.NDArray} in Javadoc is not a reference. */
                    ai.djl.ndarray.NDManager manager;
                    Object lab = dev.retention.examples.ForgettingLab.class;
                }
                """;
        assertThat(violations(Path.of("Sneaky.java"), source)).containsExactly(
                "Sneaky.java imports everything of dev.retention.fixtures (line 3)",
                "Sneaky.java imports everything of dev.retention.examples.ForgettingLab (line 5)",
                "Sneaky.java names ai.djl.ndarray.NDManager (line 9)",
                "Sneaky.java names dev.retention.examples.ForgettingLab (line 10)");
    }

    private static List<String> violations(Path file, String source) {
        List<String> violations = new ArrayList<>();
        for (JavaSources.Reference r : JavaSources.references(source)) {
            if (r.isIn("dev.retention")) {
                String[] parts = r.name().split("\\.");
                String other = parts.length > 2 ? parts[2] : "";
                if (!other.equals("junit") && !ASSERTIONS_PACKAGES.contains(other)) {
                    violations.add(file + " " + r);
                }
            } else if (BEHIND_THE_MODEL.stream().anyMatch(r::isIn)) {
                violations.add(file + " " + r);
            }
        }
        return violations;
    }
}
