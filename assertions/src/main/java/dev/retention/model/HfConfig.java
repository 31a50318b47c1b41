package dev.retention.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Typed, strict access to a Hugging Face {@code config.json}: every error names the file and the key
 * and says what was expected, so a malformed or unusual config is refused instead of guessed at.
 * A JSON {@code null} counts as absent.
 */
final class HfConfig {

    private final Path file;
    private final JsonObject json;
    private final String prefix;

    private HfConfig(Path file, JsonObject json, String prefix) {
        this.file = file;
        this.json = json;
        this.prefix = prefix;
    }

    static HfConfig read(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw new ModelLoadException(file, "expected a JSON object");
            }
            return new HfConfig(file, e.getAsJsonObject(), "");
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read: " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelLoadException(file, "malformed JSON: " + e.getMessage(), e);
        }
    }

    static HfConfig of(Path file, JsonObject json) {
        return new HfConfig(file, json, "");
    }

    Path file() {
        return file;
    }

    /** A nested object (e.g. {@code text_config}) as a config whose messages name the full key path. */
    Optional<HfConfig> nested(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isJsonObject()) {
            throw invalid(key, v, "an object");
        }
        return Optional.of(new HfConfig(file, v.getAsJsonObject(), prefix + key + "."));
    }

    /** The keys of this object, in file order. */
    java.util.Set<String> keys() {
        return json.keySet();
    }

    /**
     * Whether {@code key} holds something: not absent, null, false, an empty list or an empty object
     * (how PEFT writes options that are off).
     */
    boolean isSet(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return false;
        }
        if (v.isJsonArray()) {
            return !v.getAsJsonArray().isEmpty();
        }
        if (v.isJsonObject()) {
            return !v.getAsJsonObject().isEmpty();
        }
        return !(v.getAsJsonPrimitive().isBoolean() && !v.getAsBoolean());
    }

    /** Whether {@code key} holds a string (some keys hold a string or a list). */
    boolean isString(String key) {
        JsonElement v = get(key);
        return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
    }

    /** Whether {@code key} holds an integer (some keys hold an integer or a list). */
    boolean isNumber(String key) {
        JsonElement v = get(key);
        return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    boolean has(String key) {
        return get(key) != null;
    }

    /** Whether {@code key} is written as JSON {@code null} (which, unlike an absent key, overrides a default). */
    boolean isExplicitNull(String key) {
        return json.has(key) && json.get(key).isJsonNull();
    }

    String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key, "a string"));
    }

    Optional<String> string(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw invalid(key, v, "a string");
        }
        return Optional.of(v.getAsString());
    }

    int requireInt(String key) {
        return integer(key).orElseThrow(() -> missing(key, "a positive integer"));
    }

    /** The first present key of {@code keys} as an integer (e.g. {@code hidden_size} or GPT-2's {@code n_embd}). */
    int requireInt(String... keys) {
        for (String k : keys) {
            OptionalInt v = integer(k);
            if (v.isPresent()) {
                return v.getAsInt();
            }
        }
        throw missing(String.join("' or '", keys), "a positive integer");
    }

    int intOr(String key, int dflt) {
        return integer(key).orElse(dflt);
    }

    OptionalInt integer(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return OptionalInt.empty();
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw invalid(key, v, "an integer");
        }
        double d = v.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw invalid(key, v, "an integer");
        }
        return OptionalInt.of((int) d);
    }

    double doubleOr(String key, double dflt) {
        return number(key).orElse(dflt);
    }

    OptionalDouble number(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw invalid(key, v, "a number");
        }
        return OptionalDouble.of(v.getAsDouble());
    }

    boolean boolOr(String key, boolean dflt) {
        JsonElement v = get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
            throw invalid(key, v, "true or false");
        }
        return v.getAsBoolean();
    }

    Optional<List<String>> strings(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isJsonArray()) {
            throw invalid(key, v, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonElement e : v.getAsJsonArray()) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw invalid(key, v, "a list of strings");
            }
            out.add(e.getAsString());
        }
        return Optional.of(out);
    }

    Optional<double[]> numbers(String key) {
        JsonElement v = get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isJsonArray()) {
            throw invalid(key, v, "a list of numbers");
        }
        JsonArray a = v.getAsJsonArray();
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw invalid(key, v, "a list of numbers");
            }
            out[i] = e.getAsDouble();
        }
        return Optional.of(out);
    }

    /** A refusal naming {@code key} of this config. */
    ModelLoadException refuse(String key, String reason) {
        return new ModelLoadException(file, "'" + prefix + key + "' " + reason);
    }

    private JsonElement get(String key) {
        JsonElement v = json.get(key);
        return v == null || v.isJsonNull() ? null : v;
    }

    private ModelLoadException missing(String key, String expected) {
        return new ModelLoadException(file, "'" + prefix + key + "' is missing; it must be " + expected
                + " (Retention reads the architecture from config.json and never guesses it)");
    }

    private ModelLoadException invalid(String key, JsonElement v, String expected) {
        return new ModelLoadException(file, "'" + prefix + key + "' is " + v + "; expected " + expected);
    }
}
