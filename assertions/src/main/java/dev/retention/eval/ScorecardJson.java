package dev.retention.eval;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.retention.io.internal.AtomicFiles;
import dev.retention.io.internal.Sha256;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import dev.retention.eval.internal.ScoringConfig;

/**
 * Scorecard JSON, schema {@code retention-scorecard} version 2.
 *
 * <pre>
 * { "schema": "retention-scorecard", "schemaVersion": 2,
 *   "suite": {"name", "sha256"}, "model": {"name", "fingerprint", "path", "device"},
 *   "scoring": {"batchSize", "contextLength", "addBosToken", "promptTemplate", "library", "engine",
 *               "chatTemplate"? (SHA-256 of the chat template applied), "systemMessage"?},
 *   "createdAt": ISO-8601,
 *   "summary": {"overall": S, "categories": {name: S}},   S = {n, passed, accuracy, stderr, wilson95: [lo, hi],
 *                                                              and for perplexity items: perplexityItems,
 *                                                              logLikelihood, tokens, words, bytes,
 *                                                              tokenPerplexity, wordPerplexity, bitsPerByte}
 *   "items": [{"id", "category", "kind", "severity"?, "outcome": pass|fail|not_scored, "logLikelihood" (null = none),
 *              "tokens", "words", "bytes", "prompt", "renderedPrompt"? (when a template changed the prompt),
 *              "expected", "output", "truncatedTokens"}],
 *   "checksum": "sha256:&lt;hex&gt;" }
 * </pre>
 *
 * A scorecard file is evidence, so nothing in it is trusted: the checksum is SHA-256 over the
 * canonical form of everything else (keys sorted, no whitespace), so any edited value is refused
 * while reformatting is not; the summary is derived data, recomputed from the items and compared
 * in full. Version 1 files carry no checksum and are refused with the advice to re-record them.
 */
final class ScorecardJson {

    static final String SCHEMA = "retention-scorecard";
    private static final String SHA256 = "sha256:";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final Gson CANONICAL = new GsonBuilder().disableHtmlEscaping().create();
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);

    private ScorecardJson() {
    }

    static void write(Scorecard card, Path file) {
        try {
            AtomicFiles.writeString(file, toJson(card));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scorecard " + file + " (" + e.getMessage()
                    + "); the previous file, if any, is unchanged", e);
        }
    }

    static String toJson(Scorecard c) {
        JsonObject o = new JsonObject();
        o.addProperty("schema", SCHEMA);
        o.addProperty("schemaVersion", Scorecard.SCHEMA_VERSION);
        JsonObject suite = new JsonObject();
        suite.addProperty("name", c.suiteName());
        suite.addProperty("sha256", c.suiteHash());
        o.add("suite", suite);
        JsonObject model = new JsonObject();
        model.addProperty("name", c.model().name());
        model.addProperty("fingerprint", c.model().fingerprint());
        model.addProperty("path", c.model().path());
        model.addProperty("device", c.model().device());
        o.add("model", model);
        JsonObject s = new JsonObject();
        ScoringConfig sc = c.scoring();
        s.addProperty("batchSize", sc.batchSize());
        s.addProperty("contextLength", sc.contextLength());
        s.addProperty("addBosToken", sc.addBosToken());
        s.addProperty("promptTemplate", sc.promptTemplate());
        s.addProperty("library", sc.library());
        s.addProperty("engine", sc.engine());
        sc.chatTemplate().ifPresent(t -> s.addProperty("chatTemplate", t));
        sc.systemMessage().ifPresent(m -> s.addProperty("systemMessage", m));
        o.add("scoring", s);
        o.addProperty("createdAt", c.createdAt().toString());
        o.add("summary", summary(c));
        JsonArray items = new JsonArray();
        for (ItemResult r : c.items()) {
            JsonObject i = new JsonObject();
            i.addProperty("id", r.id());
            i.addProperty("category", r.category());
            i.addProperty("kind", r.kind());
            r.severity().ifPresent(v -> i.addProperty("severity", v));
            i.addProperty("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
            i.add("logLikelihood", number(r.logLikelihood()));
            i.addProperty("tokens", r.tokens());
            i.addProperty("words", r.words());
            i.addProperty("bytes", r.bytes());
            i.addProperty("prompt", r.prompt());
            if (r.templated()) {
                i.addProperty("renderedPrompt", r.renderedPrompt());
            }
            i.addProperty("expected", r.expected());
            i.addProperty("output", r.output());
            i.addProperty("truncatedTokens", r.truncatedTokens());
            items.add(i);
        }
        o.add("items", items);
        o.addProperty("checksum", checksum(o));
        return GSON.toJson(o) + "\n";
    }

    /** The summary block of {@code c}: everything in it follows from the items. */
    private static JsonObject summary(Scorecard c) {
        JsonObject summary = new JsonObject();
        summary.add("overall", summary(c.overall()));
        JsonObject cats = new JsonObject();
        c.categories().forEach((name, cs) -> cats.add(name, summary(cs)));
        summary.add("categories", cats);
        return summary;
    }

    private static JsonObject summary(CategoryScore cs) {
        JsonObject o = new JsonObject();
        o.addProperty("n", cs.n());
        o.addProperty("passed", cs.passed());
        if (cs.hasAccuracy()) {
            o.add("accuracy", number(cs.accuracy()));
            o.add("stderr", number(cs.standardError()));
            JsonArray w = new JsonArray();
            w.add(cs.wilson95().lower());
            w.add(cs.wilson95().upper());
            o.add("wilson95", w);
        }
        if (cs.hasPerplexity()) {
            o.addProperty("perplexityItems", cs.perplexityItems());
            o.add("logLikelihood", number(cs.logLikelihood()));
            o.addProperty("tokens", cs.tokens());
            o.addProperty("words", cs.words());
            o.addProperty("bytes", cs.bytes());
            o.add("tokenPerplexity", number(cs.tokenPerplexity().getAsDouble()));
            o.add("wordPerplexity", number(cs.wordPerplexity().getAsDouble()));
            o.add("bitsPerByte", number(cs.bitsPerByte().getAsDouble()));
        }
        return o;
    }

    private static JsonElement number(double d) {
        return Double.isFinite(d) ? new com.google.gson.JsonPrimitive(d) : JsonNull.INSTANCE;
    }

    /**
     * {@code sha256:<hex>} over the canonical form of {@code document} without its {@code checksum}:
     * object keys sorted at every level, no whitespace, strings and numbers as Gson writes them.
     */
    static String checksum(JsonObject document) {
        JsonObject content = document.deepCopy();
        content.remove("checksum");
        return SHA256 + Sha256.hex(CANONICAL.toJson(canonical(content)));
    }

    /** As written, in canonical form: sorted keys, no whitespace, null members left out. */
    private static String canonicalText(JsonElement e) {
        return CANONICAL.toJson(canonical(e == null ? JsonNull.INSTANCE : e));
    }

    private static JsonElement canonical(JsonElement e) {
        if (e.isJsonObject()) {
            JsonObject sorted = new JsonObject();
            new TreeMap<>(e.getAsJsonObject().asMap()).forEach((k, v) -> sorted.add(k, canonical(v)));
            return sorted;
        }
        if (e.isJsonArray()) {
            JsonArray a = new JsonArray();
            e.getAsJsonArray().forEach(x -> a.add(canonical(x)));
            return a;
        }
        return e;
    }

    static Scorecard read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scorecard " + file, e);
        }
        return fromJson(text, file.toString());
    }

    static Scorecard fromJson(String json, String source) {
        JsonObject o;
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement e = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT || !e.isJsonObject()) {
                throw new ScorecardFormatException(source, "not a single JSON object", null);
            }
            o = e.getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new ScorecardFormatException(source, "malformed or truncated JSON: " + e.getMessage(), e);
        }
        try {
            if (!SCHEMA.equals(str(o, "schema"))) {
                throw new ScorecardFormatException(source, "not a Retention scorecard (schema '"
                        + o.get("schema") + "')", null);
            }
            int version = o.get("schemaVersion").getAsInt();
            if (version == 1) {
                throw new ScorecardFormatException(source, "scorecard schema version 1 carries no checksum, so "
                        + "nothing shows whether it was edited since it was recorded, and a recorded baseline is "
                        + "evidence; re-record it with this Retention (" + RERECORD + ")", null);
            }
            if (version != Scorecard.SCHEMA_VERSION) {
                throw new ScorecardFormatException(source, "scorecard schema version " + version
                        + " is not supported by this Retention (reads version " + Scorecard.SCHEMA_VERSION
                        + "); re-record it (" + RERECORD + ")", null);
            }
            checkChecksum(o, source);
            JsonObject suite = o.getAsJsonObject("suite");
            JsonObject m = o.getAsJsonObject("model");
            JsonObject s = o.getAsJsonObject("scoring");
            ModelRef model = new ModelRef(str(m, "name"), str(m, "fingerprint"), str(m, "path"), str(m, "device"));
            ScoringConfig scoring = new ScoringConfig(s.get("batchSize").getAsInt(), s.get("contextLength").getAsInt(),
                    s.get("addBosToken").getAsBoolean(), str(s, "promptTemplate"), str(s, "library"), str(s, "engine"),
                    optStr(s, "chatTemplate"), optStr(s, "systemMessage"));
            List<ItemResult> items = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("items")) {
                JsonObject i = e.getAsJsonObject();
                JsonElement ll = i.get("logLikelihood");
                items.add(new ItemResult(str(i, "id"), str(i, "category"), str(i, "kind"),
                        i.has("severity") ? Optional.of(str(i, "severity")) : Optional.empty(),
                        ItemResult.Outcome.valueOf(str(i, "outcome").toUpperCase(Locale.ROOT)),
                        ll == null || ll.isJsonNull() ? Double.NaN : ll.getAsDouble(), i.get("tokens").getAsInt(),
                        i.get("words").getAsLong(), i.get("bytes").getAsLong(), str(i, "prompt"), str(i, "expected"),
                        str(i, "output"), i.get("truncatedTokens").getAsInt(),
                        optStr(i, "renderedPrompt").orElse(str(i, "prompt"))));
            }
            Scorecard card = new Scorecard(str(suite, "name"), str(suite, "sha256"), model, scoring,
                    Instant.parse(str(o, "createdAt")), items);
            checkSummary(card, o.getAsJsonObject("summary"), source);
            return card;
        } catch (ScorecardFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ScorecardFormatException(source, "missing or invalid field: " + e, e);
        }
    }

    /** How a recorded baseline is recorded again. */
    private static final String RERECORD = "with JUnit: -Dretention.baseline.record=true; without: "
            + "Scorecard.write after scoring the baseline";

    private static void checkChecksum(JsonObject o, String source) {
        JsonElement recorded = o.get("checksum");
        if (recorded == null || !recorded.isJsonPrimitive() || !recorded.getAsString().startsWith(SHA256)) {
            throw new ScorecardFormatException(source, "no 'checksum' (sha256:...) although schema version "
                    + Scorecard.SCHEMA_VERSION + " requires one; the file was damaged or edited: re-record it ("
                    + RERECORD + ")", null);
        }
        String actual = checksum(o);
        if (!actual.equals(recorded.getAsString())) {
            throw new ScorecardFormatException(source, "the content does not match its checksum (file says "
                    + abbreviate(recorded.getAsString()) + ", content is " + abbreviate(actual) + "): it was edited or "
                    + "damaged after it was written, so it is no evidence; restore it from version control or "
                    + "re-record it (" + RERECORD + ")", null);
        }
    }

    private static String abbreviate(String checksum) {
        return checksum.length() > SHA256.length() + 12 ? checksum.substring(0, SHA256.length() + 12) + "…" : checksum;
    }

    /** The summary must be exactly what the items give; nothing in it is used, it only has to agree. */
    private static void checkSummary(Scorecard card, JsonObject summary, String source) {
        JsonObject expected = summary(card);
        JsonObject cats = summary.getAsJsonObject("categories");
        if (!cats.keySet().equals(card.categories().keySet())) {
            throw new ScorecardFormatException(source, "summary lists categories " + cats.keySet()
                    + " but the items have " + card.categories().keySet() + " (edited or corrupt file)", null);
        }
        for (Map.Entry<String, CategoryScore> e : card.categories().entrySet()) {
            JsonObject s = cats.getAsJsonObject(e.getKey());
            if (s.get("n").getAsInt() != e.getValue().n() || s.get("passed").getAsInt() != e.getValue().passed()) {
                throw new ScorecardFormatException(source, "summary of category '" + e.getKey() + "' says "
                        + s.get("passed") + "/" + s.get("n") + " but the items say " + e.getValue().passed() + "/"
                        + e.getValue().n() + " (edited or corrupt file)", null);
            }
            String want = canonicalText(expected.getAsJsonObject("categories").get(e.getKey()));
            String says = canonicalText(s);
            if (!want.equals(says)) {
                throw new ScorecardFormatException(source, "summary of category '" + e.getKey() + "' says " + says
                        + " but the items give " + want + " (edited or corrupt file)", null);
            }
        }
        String want = canonicalText(expected.get("overall"));
        String says = canonicalText(summary.get("overall"));
        if (!want.equals(says)) {
            throw new ScorecardFormatException(source, "overall summary says " + says + " but the items give " + want
                    + " (edited or corrupt file)", null);
        }
    }

    private static Optional<String> optStr(JsonObject o, String key) {
        return o.has(key) ? Optional.of(str(o, key)) : Optional.empty();
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException("'" + key + "' missing");
        }
        return e.getAsString();
    }
}
