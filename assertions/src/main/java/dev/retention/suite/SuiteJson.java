package dev.retention.suite;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads one JSONL line into a {@link SuiteItem} and writes items back in canonical form. */
final class SuiteJson {

    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);
    private static final Gson WRITER = new GsonBuilder().disableHtmlEscaping().create();

    private static final Set<String> COMMON = Set.of("id", "category", "kind", "severity", "tags");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "generate", Set.of("prompt", "answer", "check", "expect", "maxTokens", "stop", "chat"),
            "choice", Set.of("context", "choices", "gold", "delimiter", "metric", "chat"),
            "loglikelihood", Set.of("context", "answer", "delimiter", "chat"),
            "perplexity", Set.of("text"));

    private SuiteJson() {
    }

    /** The key of the optional first line that sets suite-level defaults: {@code {"defaults": {"chat": true}}}. */
    static final String DEFAULTS = "defaults";

    /** Suite-level defaults, from the optional first line {@code {"defaults": {...}}}. */
    record Defaults(boolean chat) {
        static final Defaults NONE = new Defaults(false);
    }

    /** Whether {@code line} is a defaults line (an object whose only key is {@code defaults}). */
    static boolean isDefaults(String line) {
        JsonObject o = strictObject(line);
        return o.has(DEFAULTS) && !o.has("kind");
    }

    /** Parses a defaults line; throws {@link IllegalArgumentException} with a field-level message. */
    static Defaults parseDefaults(String line) {
        JsonObject o = strictObject(line);
        if (o.size() != 1) {
            throw new IllegalArgumentException("a defaults line holds only 'defaults', found "
                    + String.join(", ", new java.util.TreeSet<>(o.keySet())));
        }
        JsonElement d = o.get(DEFAULTS);
        if (!d.isJsonObject()) {
            throw new IllegalArgumentException("'defaults' must be an object such as {\"chat\": true}, got " + d);
        }
        for (String key : d.getAsJsonObject().keySet()) {
            if (!key.equals("chat")) {
                throw new IllegalArgumentException("unknown suite default '" + key + "' (allowed: chat)");
            }
        }
        return new Defaults(optBoolean(d.getAsJsonObject(), "chat").orElse(false));
    }

    /** Parses one item line with no suite-level defaults. */
    static SuiteItem parse(String line) {
        return parse(line, Defaults.NONE);
    }

    /** Parses one item line; throws {@link IllegalArgumentException} with a field-level message. */
    static SuiteItem parse(String line, Defaults defaults) {
        JsonObject o = strictObject(line);
        if (o.has(DEFAULTS) && !o.has("kind")) {
            throw new IllegalArgumentException("a defaults line ({\"defaults\": ...}) must be the first line of the "
                    + "suite; move it to the top");
        }
        String kind = string(o, "kind");
        Set<String> allowed = FIELDS.get(kind);
        if (allowed == null) {
            throw new IllegalArgumentException("unknown kind '" + kind
                    + "' (expected generate, choice, loglikelihood or perplexity)");
        }
        if (kind.equals("perplexity") && o.has("chat")) {
            throw new IllegalArgumentException("field 'chat' does not apply to perplexity items: their text is scored "
                    + "as written, never through a chat template; remove it");
        }
        for (String key : o.keySet()) {
            if (!COMMON.contains(key) && !allowed.contains(key)) {
                throw new IllegalArgumentException("unknown field '" + key + "' for kind " + kind + " (allowed: "
                        + String.join(", ", new java.util.TreeSet<>(union(allowed))) + ")");
            }
        }
        String id = string(o, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("'id' must not be blank");
        }
        String category = string(o, "category");
        if (category.isBlank()) {
            throw new IllegalArgumentException("'category' must not be blank");
        }
        Optional<Severity> severity = optString(o, "severity").map(Severity::parse);
        List<String> tags = optStrings(o, "tags").orElse(List.of());
        boolean chat = optBoolean(o, "chat").orElse(defaults.chat());
        return switch (kind) {
            case "generate" -> {
                Optional<String> answer = optString(o, "answer");
                Check.Type type = optString(o, "check").map(Check.Type::parse).orElse(Check.Type.EXACT);
                Check check = new Check(type, optString(o, "expect"));
                yield new SuiteItem.Generate(id, category, string(o, "prompt"), answer, check,
                        optInt(o, "maxTokens").orElse(SuiteItem.DEFAULT_MAX_TOKENS),
                        optStrings(o, "stop").orElse(SuiteItem.DEFAULT_STOP), severity, tags, chat);
            }
            case "choice" -> {
                String metric = optString(o, "metric").orElse("acc");
                if (!metric.equals("acc") && !metric.equals("acc_norm")) {
                    throw new IllegalArgumentException("unknown metric '" + metric + "' (expected acc or acc_norm)");
                }
                yield new SuiteItem.Choice(id, category, string(o, "context"),
                        optStrings(o, "choices").orElseThrow(() -> missing("choices")), optInt(o, "gold")
                        .orElseThrow(() -> missing("gold")), optString(o, "delimiter").orElse(SuiteItem.DEFAULT_DELIMITER),
                        metric.equals("acc_norm"), severity, tags, chat);
            }
            case "loglikelihood" -> new SuiteItem.Loglikelihood(id, category, string(o, "context"), string(o, "answer"),
                    optString(o, "delimiter").orElse(SuiteItem.DEFAULT_DELIMITER), severity, tags, chat);
            default -> new SuiteItem.Perplexity(id, category, string(o, "text"), severity, tags);
        };
    }

    /**
     * The canonical JSON line of an item: fixed key order, defaults written out ({@code chat} only when true, so
     * suites without chat items keep the content hash they had before chat items existed).
     */
    static String write(SuiteItem item) {
        JsonObject o = new JsonObject();
        o.addProperty("id", item.id());
        o.addProperty("category", item.category());
        o.addProperty("kind", item.kind());
        if (item instanceof SuiteItem.Generate g) {
            o.addProperty("prompt", g.prompt());
            g.answer().ifPresent(a -> o.addProperty("answer", a));
            o.addProperty("check", g.check().type().label());
            g.check().expect().ifPresent(e -> o.addProperty("expect", e));
            o.addProperty("maxTokens", g.maxTokens());
            o.add("stop", array(g.stop()));
        } else if (item instanceof SuiteItem.Choice c) {
            o.addProperty("context", c.context());
            o.add("choices", array(c.choices()));
            o.addProperty("gold", c.gold());
            o.addProperty("delimiter", c.delimiter());
            o.addProperty("metric", c.normalized() ? "acc_norm" : "acc");
        } else if (item instanceof SuiteItem.Loglikelihood l) {
            o.addProperty("context", l.context());
            o.addProperty("answer", l.answer());
            o.addProperty("delimiter", l.delimiter());
        } else if (item instanceof SuiteItem.Perplexity p) {
            o.addProperty("text", p.text());
        }
        item.severity().ifPresent(s -> o.addProperty("severity", s.label()));
        if (!item.tags().isEmpty()) {
            o.add("tags", array(item.tags()));
        }
        if (item.chat()) {
            o.addProperty("chat", true);
        }
        return WRITER.toJson(o);
    }

    private static Set<String> union(Set<String> kindFields) {
        Set<String> all = new java.util.HashSet<>(COMMON);
        all.addAll(kindFields);
        return all;
    }

    private static JsonObject strictObject(String line) {
        JsonElement e;
        try (JsonReader r = new JsonReader(new StringReader(line))) {
            r.setStrictness(Strictness.STRICT);
            e = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("more than one JSON value on the line");
            }
        } catch (JsonParseException | IOException | IllegalStateException | NumberFormatException ex) {
            throw new IllegalArgumentException("malformed JSON: " + ex.getMessage());
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("expected a JSON object, got " + e);
        }
        return e.getAsJsonObject();
    }

    private static IllegalArgumentException missing(String key) {
        return new IllegalArgumentException("missing field '" + key + "'");
    }

    private static String string(JsonObject o, String key) {
        return optString(o, key).orElseThrow(() -> missing(key));
    }

    private static Optional<String> optString(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("field '" + key + "' must be a string, got " + e);
        }
        return Optional.of(e.getAsString());
    }

    private static Optional<Boolean> optBoolean(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("field '" + key + "' must be true or false, got " + e);
        }
        return Optional.of(e.getAsBoolean());
    }

    private static Optional<Integer> optInt(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            if (d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
                return Optional.of((int) d);
            }
        }
        throw new IllegalArgumentException("field '" + key + "' must be an integer, got " + e);
    }

    private static Optional<List<String>> optStrings(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("field '" + key + "' must be an array of strings, got " + e);
        }
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException("field '" + key + "' must hold only strings, got " + x);
            }
            out.add(x.getAsString());
        }
        return Optional.of(out);
    }

    private static JsonArray array(List<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(v -> a.add(new JsonPrimitive(v)));
        return a;
    }
}
