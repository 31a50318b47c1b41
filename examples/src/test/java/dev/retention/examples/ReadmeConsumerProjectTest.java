package dev.retention.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's first screen and "A first test" show exactly the consumer project that CI builds
 * ({@code examples/consumer}), with this build's versions, and the consumer's model and suite paths
 * lead to the fixtures. Maven runs this in {@code examples/}.
 */
class ReadmeConsumerProjectTest {

    private static final Path ROOT = Path.of("..");
    private static final Path CONSUMER = Path.of("consumer");
    private static final Path TEST_CLASS =
            CONSUMER.resolve("src/test/java/com/example/FineTuneRetainsGeneralAbilitiesTest.java");

    private static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    /** The README from its start to (not including) the heading {@code until}. */
    private static String section(String readme, String from, String until) {
        int start = readme.indexOf(from);
        assertThat(start).as("README has " + from).isNotNegative();
        int end = readme.indexOf(until, start + from.length());
        assertThat(end).as("README has " + until + " after " + from).isPositive();
        return readme.substring(start, end);
    }

    /** The contents of every fenced block of {@code language} in {@code text}, without the fences. */
    private static List<String> blocks(String text, String language) {
        Matcher m = Pattern.compile("(?m)^```" + language + "\\n(.*?)^```$", Pattern.DOTALL).matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The lines of {@code text}, each stripped, without blank lines: indentation does not count. */
    private static String stripped(String text) {
        return String.join("\n", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        assertThat(m.find()).as("found " + regex).isTrue();
        return m.group(1);
    }

    @Test
    void aFirstTestShowsTheConsumersPomAndTestClassWholeAndVerbatim() throws IOException {
        String first = section(read(ROOT.resolve("README.md")), "## A first test", "\n## ");
        assertThat(blocks(first, "xml")).as("the pom.xml of A first test").contains(read(CONSUMER.resolve("pom.xml")));
        assertThat(blocks(first, "java")).as("the test class of A first test").contains(read(TEST_CLASS));
    }

    @Test
    void theFirstScreensBlocksAreThoseOfTheConsumerWithThisBuildsVersion() throws IOException {
        String readme = read(ROOT.resolve("README.md"));
        String top = readme.substring(0, readme.indexOf("## A first test"));
        String pom = stripped(read(CONSUMER.resolve("pom.xml")));
        String version = group(read(ROOT.resolve("pom.xml")), "<artifactId>retention-parent</artifactId>\\s*<version>([^<]+)</version>");
        List<String> xml = blocks(top, "xml");
        assertThat(xml).as("dependency blocks and the plugins").hasSize(3);
        for (String block : xml) {
            if (block.contains("<artifactId>retention-assertions</artifactId>")) {
                assertThat(stripped(block)).isEqualTo(stripped("""
                        <dependency>
                          <groupId>dev.retention</groupId>
                          <artifactId>retention-assertions</artifactId>
                          <version>%s</version>
                          <scope>test</scope>
                        </dependency>
                        """.formatted(version)));
            } else {
                assertThat(pom).as("the consumer pom holds the README block").contains(stripped(block));
            }
        }
        assertThat(pom).contains(stripped("""
                <groupId>dev.retention</groupId>
                <artifactId>retention-junit</artifactId>
                <version>%s</version>
                <scope>test</scope>
                """.formatted(version)));
        assertThat(top).contains("mvn -B -q -DskipTests install");
    }

    @Test
    void theConsumerUsesTheVersionsThisBuildIsTestedWith() throws IOException {
        String parent = read(ROOT.resolve("pom.xml"));
        String pom = read(CONSUMER.resolve("pom.xml"));
        assertThat(group(pom, "<artifactId>junit-jupiter</artifactId>\\s*<version>([^<]+)</version>"))
                .isEqualTo(group(parent, "<junit.version>([^<]+)</junit.version>"));
        assertThat(group(pom, "<artifactId>maven-surefire-plugin</artifactId>\\s*<version>([^<]+)</version>"))
                .isEqualTo(group(parent, "<surefire.version>([^<]+)</surefire.version>"));
        assertThat(group(pom, "<artifactId>maven-compiler-plugin</artifactId>\\s*<version>([^<]+)</version>"))
                .isEqualTo(group(parent, "<artifactId>maven-compiler-plugin</artifactId>\\s*<version>([^<]+)</version>"));
        assertThat(group(pom, "<release>([^<]+)</release>"))
                .isEqualTo(group(parent, "<maven.compiler.release>([^<]+)</maven.compiler.release>"));
        assertThat(pom).as("the consumer is no module of this build").doesNotContain("<parent>");
        assertThat(read(ROOT.resolve("pom.xml"))).doesNotContain("<module>examples/consumer</module>");
    }

    @Test
    void theConsumersPathsAndTheReadmesRedRunLeadToTheFixtures() throws IOException {
        String test = read(TEST_CLASS);
        Path fixtures = ROOT.resolve("src-test-fixtures");
        for (String key : List.of("baseline", "tuned", "suite")) {
            String path = group(test, key + " = \"([^\"]+)\"");
            Path inConsumer = CONSUMER.resolve(path);
            assertThat(inConsumer).as(key).exists();
            assertThat(Files.isSameFile(inConsumer, fixtures.resolve(path))).as(key + " is the fixture's " + path).isTrue();
        }
        String readme = read(ROOT.resolve("README.md"));
        String red = group(readme, "verify -Dretention\\.tuned=(\\S+)\\s+# red");
        assertThat(Files.isSameFile(CONSUMER.resolve(red), fixtures.resolve("models/full-ft"))).isTrue();
    }

    @Test
    void ciBuildsTheConsumerAsTheReadmeSays() throws IOException {
        String readme = read(ROOT.resolve("README.md"));
        String ci = read(ROOT.resolve(".ci/run"));
        assertThat(readme).contains("mvn -B -f examples/consumer/pom.xml verify ");
        assertThat(ci).contains("mvn -B -q -DskipTests install\n").contains("mvn -B -f examples/consumer/pom.xml verify\n")
                .contains("mvn -B -q -f examples/consumer/pom.xml verify -Dretention.tuned=models/full-ft");
        assertThat(ci.indexOf("mvn -B -q -DskipTests install\n"))
                .isLessThan(ci.indexOf("mvn -B -f examples/consumer/pom.xml verify\n"));
    }
}
