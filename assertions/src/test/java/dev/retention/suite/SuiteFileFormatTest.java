package dev.retention.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SuiteFileFormatTest {

    @TempDir
    Path dir;

    private static final String GEN = "{\"id\":\"g1\",\"category\":\"math\",\"kind\":\"generate\",\"prompt\":\"2+2=\",\"answer\":\" 4\"}";
    private static final String CHOICE = "{\"id\":\"c1\",\"category\":\"geo\",\"kind\":\"choice\",\"context\":\"Capital of France?\","
            + "\"choices\":[\"Paris\",\"Rome\"],\"gold\":0,\"severity\":\"high\",\"tags\":[\"eu\"]}";

    private Path write(String... lines) throws IOException {
        Path p = dir.resolve("s.jsonl");
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsEveryKindWithDefaultsApplied() throws IOException {
        Suite s = Suite.load(write(GEN, "", CHOICE,
                "{\"id\":\"l1\",\"category\":\"geo\",\"kind\":\"loglikelihood\",\"context\":\"The capital of Italy is\",\"answer\":\"Rome\"}",
                "{\"id\":\"p1\",\"category\":\"text\",\"kind\":\"perplexity\",\"text\":\"Hello world.\"}"));
        assertThat(s.name()).isEqualTo("s");
        assertThat(s.categories()).containsExactly("geo", "math", "text");
        SuiteItem.Generate g = (SuiteItem.Generate) s.item("g1").orElseThrow();
        assertThat(g.check().type()).isEqualTo(Check.Type.EXACT);
        assertThat(g.maxTokens()).isEqualTo(32);
        assertThat(g.stop()).containsExactly("\n");
        SuiteItem.Choice c = (SuiteItem.Choice) s.item("c1").orElseThrow();
        assertThat(c.delimiter()).isEqualTo(" ");
        assertThat(c.severity()).contains(Severity.HIGH);
        assertThat(c.tags()).containsExactly("eu");
        assertThat(s.item("p1").orElseThrow().isScored()).isFalse();
    }

    @Test
    void malformedLineNamesFileAndLine() throws IOException {
        Path p = write(GEN, "{\"id\":\"x\", \"category\": ");
        assertThatThrownBy(() -> Suite.load(p))
                .isInstanceOf(SuiteFormatException.class)
                .hasMessageStartingWith(p + ":2: malformed JSON")
                .satisfies(e -> assertThat(((SuiteFormatException) e).line()).isEqualTo(2));
    }

    @Test
    void lenientJsonIsRejected() throws IOException {
        assertThatThrownBy(() -> Suite.load(write("{id:'g1',category:'m',kind:'generate',prompt:'a',answer:'b'}")))
                .hasMessageContaining(":1: malformed JSON");
    }

    @Test
    void unknownKindListsTheKnownOnes() throws IOException {
        assertThatThrownBy(() -> Suite.load(write(GEN.replace("generate", "essay"))))
                .hasMessageContaining(":1: unknown kind 'essay' (expected generate, choice, loglikelihood or perplexity)");
    }

    @Test
    void misspelledFieldIsAnErrorNotIgnored() throws IOException {
        assertThatThrownBy(() -> Suite.load(write(GEN.replace("\"answer\"", "\"anwser\""))))
                .hasMessageContaining(":1: unknown field 'anwser' for kind generate")
                .hasMessageContaining("answer");
    }

    @Test
    void duplicateIdNamesBothLines() throws IOException {
        assertThatThrownBy(() -> Suite.load(write(GEN, CHOICE, GEN)))
                .hasMessageContaining(":3: duplicate id 'g1' (first used on line 1)");
    }

    @Test
    void emptySuiteIsAnError() throws IOException {
        assertThatThrownBy(() -> Suite.load(write("", "   ")))
                .isInstanceOf(SuiteFormatException.class)
                .hasMessageContaining("has no items");
    }

    @Test
    void wrongTypesAndRangesNameTheField() throws IOException {
        assertThatThrownBy(() -> Suite.load(write(CHOICE.replace("\"gold\":0", "\"gold\":\"0\""))))
                .hasMessageContaining("field 'gold' must be an integer");
        assertThatThrownBy(() -> Suite.load(write(CHOICE.replace("\"gold\":0", "\"gold\":2"))))
                .hasMessageContaining("gold 2 is not an index of the 2 choices");
        assertThatThrownBy(() -> Suite.load(write(CHOICE.replace("\"high\"", "\"urgent\""))))
                .hasMessageContaining("unknown severity 'urgent'");
        assertThatThrownBy(() -> Suite.load(write(GEN.replace("}", ",\"check\":\"regex\",\"expect\":\"(\"}"))))
                .hasMessageContaining(":1: Unclosed group");
        assertThatThrownBy(() -> Suite.load(write(GEN.replace("}", ",\"check\":\"regex\"}"))))
                .hasMessageContaining("a regex check needs 'expect'");
    }

    @Test
    void contentHashIgnoresFormattingButNotMeaning() throws IOException {
        Suite a = Suite.load(write(GEN, CHOICE));
        Suite reformatted = Suite.load(write(GEN.replace(",", ", ").replace("\"answer\":\" 4\",", "")
                .replace("}", ",\"answer\":\" 4\",\"check\":\"exact\"}"), "", CHOICE));
        Suite changed = Suite.load(write(GEN.replace(" 4", " 5"), CHOICE));
        assertThat(reformatted.contentHash()).isEqualTo(a.contentHash());
        assertThat(changed.contentHash()).isNotEqualTo(a.contentHash());
    }

    @Test
    void writtenSuiteLoadsBackIdentical() {
        Suite built = Suite.builder("built")
                .generate("g", "math", "1+1=", " 2", Check.exact(" 2"))
                .choice("c", "geo", "Capital of Spain?", List.of("Madrid", "Lima"), 0)
                .loglikelihood("l", "geo", "The capital of Peru is", "Lima")
                .perplexity("p", "text", "Some text.\nMore text.")
                .build();
        Path p = dir.resolve("built.jsonl");
        built.write(p);
        assertThat(Suite.load(p)).isEqualTo(built);
    }

    @Test
    void streamsAreAcceptedWithAnyLineEnding() {
        byte[] bytes = (GEN + "\r\n" + CHOICE + "\r" + GEN.replace("g1", "g2")).getBytes(StandardCharsets.UTF_8);
        Suite s = Suite.load("s", new ByteArrayInputStream(bytes), "s.jsonl");
        assertThat(s.items()).extracting(SuiteItem::id).containsExactly("g1", "c1", "g2");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheLineAndByte() throws IOException {
        Path p = dir.resolve("latin1.jsonl");
        // "café" saved as Latin-1: é is the single byte E9, which is not UTF-8.
        Files.write(p, (GEN + "\n" + GEN.replace("g1", "g2").replace("2+2=", "caf\u00e9")).getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Suite.load(p)).isInstanceOf(SuiteFormatException.class)
                .hasMessage(p + ":2: bytes that are not valid UTF-8 at column 61 (byte offset " + (GEN.length() + 61)
                        + " of the file: E9 22 2C 22), e.g. a file saved as Latin-1 or Windows-1252; save it as UTF-8 "
                        + "without a byte-order mark");
    }

    @Test
    void utf16FilesAndByteOrderMarksAreNamedAsSuch() throws IOException {
        Path p = dir.resolve("s.jsonl");
        Files.write(p, ("\uFEFF" + GEN + "\n").getBytes(StandardCharsets.UTF_16LE));
        assertThatThrownBy(() -> Suite.load(p)).hasMessage(p + ":1: the file is UTF-16 (it starts with a UTF-16 "
                + "little-endian byte-order mark); suites are read as UTF-8: save it as UTF-8 without a byte-order mark");
        Files.write(p, (GEN + "\n").getBytes(StandardCharsets.UTF_16BE));
        assertThatThrownBy(() -> Suite.load(p)).hasMessage(p + ":1: the file looks like UTF-16 big-endian without a "
                + "byte-order mark (NUL bytes between the characters); suites are read as UTF-8: save it as UTF-8 "
                + "without a byte-order mark");
        Files.write(p, ("\uFEFF" + GEN + "\n").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Suite.load(p)).hasMessage(p + ":1: the file starts with a UTF-8 byte-order mark "
                + "(EF BB BF), which is not part of JSON Lines; save it as UTF-8 without a byte-order mark");
    }

    @Test
    void chatItemsComeFromTheirFieldOrTheSuiteDefaultsLine() throws IOException {
        String perplexity = "{\"id\":\"p1\",\"category\":\"text\",\"kind\":\"perplexity\",\"text\":\"Hello.\"}";
        Suite plain = Suite.load(write(GEN, CHOICE.replace("}", ",\"chat\":true}")));
        assertThat(plain.item("g1").orElseThrow().chat()).isFalse();
        assertThat(plain.item("c1").orElseThrow().chat()).isTrue();

        Suite defaulted = Suite.load(write("", "{\"defaults\": {\"chat\": true}}", GEN,
                CHOICE.replace("}", ",\"chat\":false}"), perplexity));
        assertThat(defaulted.item("g1").orElseThrow().chat()).isTrue();
        assertThat(defaulted.item("c1").orElseThrow().chat()).as("an item's own field wins").isFalse();
        assertThat(defaulted.item("p1").orElseThrow().chat()).as("perplexity texts are scored as written").isFalse();
        assertThat(Suite.load(write("{\"defaults\": {}}", GEN)).item("g1").orElseThrow().chat()).isFalse();
    }

    @Test
    void misplacedOrMalformedChatSettingsNameTheLineAndTheFix() throws IOException {
        Path late = write(GEN, "{\"defaults\": {\"chat\": true}}");
        assertThatThrownBy(() -> Suite.load(late)).hasMessage(late + ":2: a defaults line ({\"defaults\": ...}) must be "
                + "the first line of the suite; move it to the top");
        assertThatThrownBy(() -> Suite.load(write("{\"defaults\": {\"chat\": \"yes\"}}", GEN)))
                .hasMessageEndingWith(":1: field 'chat' must be true or false, got \"yes\"");
        assertThatThrownBy(() -> Suite.load(write("{\"defaults\": {\"chatt\": true}}", GEN)))
                .hasMessageEndingWith(":1: unknown suite default 'chatt' (allowed: chat)");
        assertThatThrownBy(() -> Suite.load(write("{\"defaults\": {\"chat\": true}, \"id\": \"x\"}", GEN)))
                .hasMessageEndingWith(":1: a defaults line holds only 'defaults', found defaults, id");
        assertThatThrownBy(() -> Suite.load(write(GEN.replace("}", ",\"chat\":1}"))))
                .hasMessageEndingWith(":1: field 'chat' must be true or false, got 1");
        assertThatThrownBy(() -> Suite.load(write(GEN, "{\"id\":\"p1\",\"category\":\"text\",\"kind\":\"perplexity\","
                + "\"text\":\"Hello.\",\"chat\":true}")))
                .hasMessageEndingWith(":2: field 'chat' does not apply to perplexity items: their text is scored as "
                        + "written, never through a chat template; remove it");
    }

    @Test
    void chatChangesTheContentHashAndSurvivesWritingBack() throws IOException {
        Suite plain = Suite.load(write(GEN, CHOICE));
        Suite viaDefaults = Suite.load(write("{\"defaults\":{\"chat\":true}}", GEN, CHOICE));
        Suite viaFields = Suite.load(write(GEN.replace("}", ",\"chat\":true}"), CHOICE.replace("}", ",\"chat\":true}")));
        assertThat(viaDefaults.contentHash()).isEqualTo(viaFields.contentHash()).isNotEqualTo(plain.contentHash());
        assertThat(Suite.load(write(GEN.replace("}", ",\"chat\":false}"), CHOICE)).contentHash())
                .as("chat false is the default and does not change the hash").isEqualTo(plain.contentHash());

        Suite built = Suite.builder("built").chat(true)
                .generate("g", "math", "1+1=", " 2", Check.exact(" 2"))
                .chat(false)
                .loglikelihood("l", "geo", "The capital of Peru is", "Lima")
                .build();
        Path p = dir.resolve("built.jsonl");
        built.write(p);
        Suite read = Suite.load(p);
        assertThat(read).isEqualTo(built);
        assertThat(read.item("g").orElseThrow().chat()).isTrue();
        assertThat(read.item("l").orElseThrow().chat()).isFalse();
    }

    @Test
    void builtInCanariesCoverTheChecklistWithSeverities() {
        Suite c = Suite.canaries();
        assertThat(c.size()).isBetween(25, 40);
        assertThat(c.categories()).containsExactlyInAnyOrder(
                "coherence", "format", "instruction-following", "knowledge", "reasoning");
        assertThat(c.items()).allSatisfy(i -> assertThat(i.severity()).isPresent());
        assertThat(c.items()).extracting(i -> i.severity().orElseThrow()).contains(Severity.CRITICAL, Severity.HIGH,
                Severity.MEDIUM);
        assertThat(c.items()).as("asked through the model's chat template when it has one").allMatch(SuiteItem::chat);
    }

    @Test
    void anItemBuiltInCodeWithANullComponentIsRefusedNamingIt() {
        assertThatThrownBy(() -> new SuiteItem.Choice("q1", "math", "2+2=", List.of("4", "5"), 0, null, false,
                Optional.empty(), List.of(), false))
                .isInstanceOf(NullPointerException.class).hasMessage("delimiter");
        assertThatThrownBy(() -> new SuiteItem.Loglikelihood("q2", "math", "2+2=", "4", null, Optional.empty(),
                List.of(), false))
                .isInstanceOf(NullPointerException.class).hasMessage("delimiter");
        assertThatThrownBy(() -> new SuiteItem.Choice("q3", "math", null, List.of("4", "5"), 0, " ", false,
                Optional.empty(), List.of(), false))
                .isInstanceOf(NullPointerException.class).hasMessage("context");
        assertThatThrownBy(() -> new SuiteItem.Choice("q4", "math", "2+2=", java.util.Arrays.asList("4", null), 0, " ",
                false, Optional.empty(), List.of(), false))
                .isInstanceOf(NullPointerException.class).hasMessage("a choice is null");
        assertThatThrownBy(() -> new SuiteItem.Perplexity("t1", null, "text", Optional.empty(), List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("category");
    }
}
