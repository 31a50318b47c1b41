package dev.retention.eval;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import dev.retention.eval.internal.ScorecardCache;
import dev.retention.eval.internal.ScorecardKey;
import dev.retention.eval.internal.ScoringConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scorecard JSON round-trips, and damaged files are refused (read) or recomputed (cache), never trusted. */
class ScorecardFilesTest {

    @TempDir
    Path dir;

    private static Scorecard card(String fingerprint, int passing) {
        List<ItemResult> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(new ItemResult("m-" + i, "math", "generate", Optional.of("high"),
                    i < passing ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL, -0.5 * i, 2, 0, 0,
                    "Compute: " + i + " + 1 =", String.valueOf(i + 1), i < passing ? " " + (i + 1) : " x"));
        }
        items.add(new ItemResult("t-0", "text", "perplexity", Optional.empty(), ItemResult.Outcome.NOT_SCORED, -42.25, 30,
                7, 40, "", "", "token perplexity 4.0"));
        items.add(new ItemResult("g-0", "math", "generate", Optional.empty(), ItemResult.Outcome.PASS, Double.NaN, 0, 0, 0,
                "Say \"hi\"\n", "valid JSON", "{\"a\": 1}"));
        return new Scorecard("suite", "abc123", new ModelRef("m", fingerprint, "/models/m", "cpu"),
                new ScoringConfig(16, 128, false, "{prompt}", "0.1.0-SNAPSHOT", "DJL 0.35.1 / PyTorch 2.7.1"),
                Instant.parse("2026-11-22T10:15:30Z"), items);
    }

    private static ScorecardKey key(Scorecard c) {
        return new ScorecardKey(c.model().name(), c.model().fingerprint(), c.suiteName(), c.suiteHash(), c.scoring());
    }

    @Test
    void aScorecardRoundTripsThroughJsonUnchanged() {
        Scorecard original = card("f".repeat(64), 7);
        Path file = dir.resolve("card.json");
        original.write(file);
        Scorecard back = Scorecard.read(file);
        assertThat(back.toJson()).isEqualTo(original.toJson());
        assertThat(back.items()).extracting(ItemResult::id, ItemResult::outcome, ItemResult::output)
                .containsExactlyElementsOf(original.items().stream().map(i -> org.assertj.core.groups.Tuple.tuple(i.id(),
                        i.outcome(), i.output())).toList());
        assertThat(back.category("math").passed()).isEqualTo(8);
        assertThat(back.category("text").tokenPerplexity()).hasValue(Math.exp(42.25 / 30));
        assertThat(back.item("g-0").orElseThrow().logLikelihood()).isNaN();
    }

    /** A scorecard file edited and given a fresh checksum, as a careful forger would. */
    private static String resealed(String json, java.util.function.Consumer<JsonObject> edit) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        edit.accept(o);
        o.addProperty("checksum", ScorecardJson.checksum(o));
        return o.toString();
    }

    @Test
    void truncatedOrFutureFilesAreRefusedNamingTheFile() throws IOException {
        String json = card("f".repeat(64), 7).toJson();
        Path file = dir.resolve("card.json");
        Files.writeString(file, json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> Scorecard.read(file)).isInstanceOf(ScorecardFormatException.class)
                .hasMessageStartingWith(file + ": malformed or truncated JSON");
        Files.writeString(file, json.replace("\"schemaVersion\": 2", "\"schemaVersion\": 3"));
        assertThatThrownBy(() -> Scorecard.read(file)).hasMessageContaining("schema version 3 is not supported");
    }

    @Test
    void anyEditedValueBreaksTheChecksumButReformattingDoesNot() throws IOException {
        String json = card("f".repeat(64), 7).toJson();
        Path file = dir.resolve("card.json");
        Files.writeString(file, json.replaceFirst("\"outcome\": \"fail\"", "\"outcome\": \"pass\""));
        assertThatThrownBy(() -> Scorecard.read(file)).isInstanceOf(ScorecardFormatException.class)
                .hasMessageStartingWith(file + ": the content does not match its checksum (file says sha256:")
                .hasMessageContaining("it was edited or damaged after it was written, so it is no evidence; restore it "
                        + "from version control or re-record it (with JUnit: -Dretention.baseline.record=true");
        Files.writeString(file, json.replace("\"contextLength\": 128", "\"contextLength\": 256"));
        assertThatThrownBy(() -> Scorecard.read(file)).hasMessageContaining("does not match its checksum");
        Files.writeString(file, JsonParser.parseString(json).toString());
        assertThat(Scorecard.read(file).toJson()).as("whitespace is not content").isEqualTo(json);
        Files.writeString(file, json.replaceFirst(",\\s*\"checksum\": \"[^\"]*\"", ""));
        assertThatThrownBy(() -> Scorecard.read(file)).hasMessageContaining("no 'checksum' (sha256:...)");
    }

    @Test
    void summariesAreRecomputedFromTheItemsAndMustAgreeInFull() throws IOException {
        String json = card("f".repeat(64), 7).toJson();
        Path file = dir.resolve("card.json");
        Files.writeString(file, resealed(json, o -> o.getAsJsonArray("items").get(8).getAsJsonObject()
                .addProperty("outcome", "pass")));
        assertThatThrownBy(() -> Scorecard.read(file))
                .hasMessageContaining("summary of category 'math' says 8/11 but the items say 9/11 (edited or corrupt file)");
        Files.writeString(file, resealed(json, o -> o.getAsJsonObject("summary").getAsJsonObject("categories")
                .getAsJsonObject("math").addProperty("accuracy", 0.99)));
        assertThatThrownBy(() -> Scorecard.read(file)).hasMessageContaining("summary of category 'math' says {")
                .hasMessageContaining("\"accuracy\":0.99").hasMessageContaining("but the items give {");
        Files.writeString(file, resealed(json, o -> o.getAsJsonObject("summary").getAsJsonObject("overall")
                .addProperty("passed", 12)));
        assertThatThrownBy(() -> Scorecard.read(file)).hasMessageContaining("overall summary says {");
    }

    @Test
    void aVersionOneFileHasNoChecksumAndIsRefusedWithHowToRecordItAgain() throws IOException {
        String v1 = resealed(card("f".repeat(64), 7).toJson(), o -> {
            o.addProperty("schemaVersion", 1);
            o.remove("checksum");
        });
        Path file = dir.resolve("card.json");
        Files.writeString(file, v1.replaceFirst(",\"checksum\":\"[^\"]*\"", ""));
        assertThatThrownBy(() -> Scorecard.read(file)).isInstanceOf(ScorecardFormatException.class)
                .hasMessage(file + ": scorecard schema version 1 carries no checksum, so nothing shows whether it was "
                        + "edited since it was recorded, and a recorded baseline is evidence; re-record it with this "
                        + "Retention (with JUnit: -Dretention.baseline.record=true; without: Scorecard.write after "
                        + "scoring the baseline)");
    }

    @Test
    void promptTruncationIsKeptPerItem() {
        List<ItemResult> items = List.of(new ItemResult("a", "c", "choice", Optional.empty(), ItemResult.Outcome.PASS,
                -1, 1, 0, 0, "long prompt", "x", "x", 17));
        Scorecard c = new Scorecard("s", "h", new ModelRef("m", "f".repeat(64), "/m", "cpu"),
                new ScoringConfig(1, 8, false, "{prompt}", "t", "t"), Instant.EPOCH, items);
        Scorecard back = Scorecard.fromJson(c.toJson(), "mem");
        assertThat(back.item("a").orElseThrow().truncatedTokens()).isEqualTo(17);
        assertThat(back.item("a").orElseThrow().truncated()).isTrue();
    }

    @Test
    void theCacheServesAValidEntryAndRescoresAfterCorruption() throws IOException {
        List<String> log = new ArrayList<>();
        ScorecardCache cache = new ScorecardCache(dir, ScorecardCache.Mode.READ_WRITE, log::add);
        Scorecard c = card("a".repeat(64), 5);
        AtomicInteger scored = new AtomicInteger();
        cache.get(key(c), () -> { scored.incrementAndGet(); return c; });
        Scorecard again = cache.get(key(c), () -> { scored.incrementAndGet(); return c; });
        assertThat(scored).hasValue(1);
        assertThat(again.toJson()).isEqualTo(c.toJson());
        Path entry = cache.file(key(c));
        String stored = Files.readString(entry);
        Files.writeString(entry, stored.replaceFirst("\"outcome\": \"pass\"", "\"outcome\": \"fail\""));
        cache.get(key(c), () -> { scored.incrementAndGet(); return c; });
        assertThat(scored).hasValue(2);
        assertThat(log).anySatisfy(l -> assertThat(l).contains("ignoring scorecard cache entry " + entry)
                .contains("content does not match its checksum"));
        assertThat(cache.get(key(c), () -> { throw new AssertionError("must be served from the rewritten entry"); })
                .toJson()).isEqualTo(c.toJson());
    }

    @Test
    void anEntryForAnotherModelIsNeverServed() throws IOException {
        ScorecardCache cache = new ScorecardCache(dir, ScorecardCache.Mode.READ_WRITE, l -> { });
        Scorecard a = card("a".repeat(64), 5);
        Scorecard b = card("b".repeat(64), 9);
        cache.get(key(a), () -> a);
        Files.copy(cache.file(key(a)), cache.file(key(b)));
        assertThat(cache.get(key(b), () -> b).category("math").passed()).isEqualTo(10);
    }

    @Test
    void readOnlyNeverWritesRefreshAlwaysScoresOffDoesNeither() throws IOException {
        Scorecard c = card("c".repeat(64), 3);
        AtomicInteger scored = new AtomicInteger();
        new ScorecardCache(dir, ScorecardCache.Mode.READ_ONLY, l -> { }).get(key(c), () -> { scored.incrementAndGet(); return c; });
        assertThat(Files.list(dir)).isEmpty();
        ScorecardCache refresh = new ScorecardCache(dir, ScorecardCache.Mode.REFRESH, l -> { });
        refresh.get(key(c), () -> { scored.incrementAndGet(); return c; });
        refresh.get(key(c), () -> { scored.incrementAndGet(); return c; });
        assertThat(scored).hasValue(3);
        new ScorecardCache(dir, ScorecardCache.Mode.OFF, l -> { }).get(key(c), () -> { scored.incrementAndGet(); return c; });
        assertThat(scored).hasValue(4);
        assertThat(ScorecardCache.Mode.parse("read-only")).isEqualTo(ScorecardCache.Mode.READ_ONLY);
        assertThatThrownBy(() -> ScorecardCache.Mode.parse("sometimes")).hasMessageContaining("read-write, read-only");
    }
}
