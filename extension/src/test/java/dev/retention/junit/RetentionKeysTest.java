package dev.retention.junit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RetentionKeys} is the one place keys are spelled: no other main source of either module
 * spells a key of its own, every key the code names is a documented one, and the README's
 * configuration tables document exactly these keys.
 */
class RetentionKeysTest {

    private static final Pattern LITERAL = Pattern.compile("\"(retention\\.[A-Za-z.]*)");
    private static final Pattern README_KEY = Pattern.compile("`(retention\\.[A-Za-z.]+)`");

    /** The jar's version property (a resource of the assertions module), not a setting. */
    private static final Set<String> NOT_SETTINGS = Set.of("retention.version");

    private static Set<String> keys() throws IllegalAccessException {
        Set<String> keys = new TreeSet<>();
        for (Field f : RetentionKeys.class.getFields()) {
            assertThat(Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers())).as(f.getName()).isTrue();
            keys.add((String) f.get(null));
        }
        return keys;
    }

    /** Every {@code "retention.…} literal in the code (not the comments) of the main sources under {@code root}. */
    private static List<String> literals(Path root, Path except) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java") && !p.equals(except)).toList()) {
                int n = 0;
                for (String line : Files.readAllLines(f)) {
                    n++;
                    String code = line.strip();
                    if (code.startsWith("*") || code.startsWith("/**") || code.startsWith("//")) {
                        continue;
                    }
                    Matcher m = LITERAL.matcher(code);
                    while (m.find()) {
                        found.add(m.group(1) + " (" + root.relativize(f) + ":" + n + ")");
                    }
                }
            }
        }
        return found;
    }

    private static boolean isKeyOfOneModel(String key) {
        for (String suffix : List.of(RetentionKeys.BASE_SUFFIX, RetentionKeys.TOKENIZER_SUFFIX)) {
            if (key.endsWith(suffix)) {
                String role = key.substring(0, key.length() - suffix.length());
                return role.equals(RetentionKeys.BASELINE) || role.equals(RetentionKeys.TUNED)
                        || role.startsWith(RetentionKeys.MODEL_PREFIX);
            }
        }
        return false;
    }

    @Test
    void theExtensionSpellsNoKeyOutsideRetentionKeys() throws IOException {
        Path root = Path.of("src/main/java");
        assertThat(literals(root, root.resolve("dev/retention/junit/RetentionKeys.java")))
                .as("keys spelled outside RetentionKeys; use its constants").isEmpty();
    }

    @Test
    void everyKeyTheAssertionsModuleNamesIsADocumentedOne() throws Exception {
        Set<String> keys = keys();
        List<String> undocumented = new ArrayList<>();
        for (String found : literals(Path.of("../assertions/src/main/java"), null)) {
            String key = found.substring(0, found.indexOf(' '));
            if (!keys.contains(key) && !NOT_SETTINGS.contains(key)) {
                undocumented.add(found);
            }
        }
        assertThat(undocumented).as("keys the assertions module names that RetentionKeys does not document").isEmpty();
    }

    @Test
    void theReadmeDocumentsExactlyTheseKeys() throws Exception {
        Set<String> inReadme = new TreeSet<>();
        Matcher m = README_KEY.matcher(Files.readString(Path.of("../README.md")));
        while (m.find()) {
            inReadme.add(m.group(1));
        }
        inReadme.removeIf(RetentionKeysTest::isKeyOfOneModel); // e.g. retention.tuned.base: a role and a suffix
        Set<String> keys = keys();
        keys.removeIf(k -> k.startsWith(".") || k.endsWith(".")); // suffixes and prefixes: written as patterns
        assertThat(inReadme).as("keys in README.md (`retention.…`)").containsExactlyInAnyOrderElementsOf(keys);
    }
}
