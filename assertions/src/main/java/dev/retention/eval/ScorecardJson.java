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
import dev.retention.io.AtomicFiles;

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

/**
 * Scorecard JSON, schema {@code retention-scorecard} version 1.
 *
 * <pre>
 * { "schema": "retention-scorecard", "schemaVersion": 1,
 *   "suite": {"name", "sha256"}, "model": {"name", "fingerprint", "path", "device"},
 *   "scoring": {"batchSize", "contextLength", "addBosToken", "promptTemplate", "library", "engine"},
 *   "createdAt": ISO-8601,
 *   "summary": {"overall": S, "categories": {name: S}},   S = {n, passed, accuracy, stderr, wilson95: [lo, hi],
 *                                                              and for perplexity items: perplexityItems,
 *                                                              logLikelihood, tokens, words, bytes,
 *                                                              tokenPerplexity, wordPerplexity, bitsPerByte}
 *   "items": [{"id", "category", "kind", "severity"?, "outcome": pass|fail|not_scored, "logLikelihood" (null = none),
 *              "tokens", "words", "bytes", "prompt", "expected", "output"}] }
 * </pre>
 *
 * The summary is derived data: on reading it is recomputed from the items and must agree, so an
 * edited or corrupted file is refused rather than trusted.
 */
final class ScorecardJson {

    static final String SCHEMA = "retention-scorecard";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
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
        o.add("scoring", s);
        o.addProperty("createdAt", c.createdAt().toString());
        JsonObject summary = new JsonObject();
        summary.add("overall", summary(c.overall()));
        JsonObject cats = new JsonObject();
        c.categories().forEach((name, cs) -> cats.add(name, summary(cs)));
        summary.add("categories", cats);
        o.add("summary", summary);
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
            i.addProperty("expected", r.expected());
            i.addProperty("output", r.output());
            items.add(i);
        }
        o.add("items", items);
        return GSON.toJson(o) + "\n";
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
            if (version != Scorecard.SCHEMA_VERSION) {
                throw new ScorecardFormatException(source, "scorecard schema version " + version
                        + " is not supported by this Retention (reads version " + Scorecard.SCHEMA_VERSION
                        + "); re-record it", null);
            }
            JsonObject suite = o.getAsJsonObject("suite");
            JsonObject m = o.getAsJsonObject("model");
            JsonObject s = o.getAsJsonObject("scoring");
            ModelRef model = new ModelRef(str(m, "name"), str(m, "fingerprint"), str(m, "path"), str(m, "device"));
            ScoringConfig scoring = new ScoringConfig(s.get("batchSize").getAsInt(), s.get("contextLength").getAsInt(),
                    s.get("addBosToken").getAsBoolean(), str(s, "promptTemplate"), str(s, "library"), str(s, "engine"));
            List<ItemResult> items = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("items")) {
                JsonObject i = e.getAsJsonObject();
                JsonElement ll = i.get("logLikelihood");
                items.add(new ItemResult(str(i, "id"), str(i, "category"), str(i, "kind"),
                        i.has("severity") ? Optional.of(str(i, "severity")) : Optional.empty(),
                        ItemResult.Outcome.valueOf(str(i, "outcome").toUpperCase(Locale.ROOT)),
                        ll == null || ll.isJsonNull() ? Double.NaN : ll.getAsDouble(), i.get("tokens").getAsInt(),
                        i.get("words").getAsLong(), i.get("bytes").getAsLong(), str(i, "prompt"), str(i, "expected"),
                        str(i, "output")));
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

    private static void checkSummary(Scorecard card, JsonObject summary, String source) {
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
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException("'" + key + "' missing");
        }
        return e.getAsString();
    }
}
