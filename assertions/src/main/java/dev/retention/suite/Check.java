package dev.retention.suite;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.apiguardian.api.API;

import java.io.IOException;
import java.io.StringReader;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * How a generated output is judged.
 *
 * <ul>
 *   <li>{@code exact}: stripped output equals stripped {@code expect};</li>
 *   <li>{@code contains} / {@code icontains}: stripped {@code expect} occurs in the output
 *       (case-insensitively for icontains, {@link Locale#ROOT} lower-casing);</li>
 *   <li>{@code regex}: {@code expect} is a Java regex found anywhere in the raw output;</li>
 *   <li>{@code json}: the stripped output is strict RFC 8259 JSON (no NaN, no comments, nothing
 *       after the value) and, when {@code expect} is given, equal to it as JSON.</li>
 * </ul>
 * "Stripped" removes leading and trailing whitespace ({@link String#strip()}).
 *
 * @param type the check
 * @param expect the operand; for exact, contains and icontains it defaults to the item's answer
 */
@API(status = STABLE, since = "0.1")
public record Check(Type type, Optional<String> expect) {

    private static final TypeAdapter<JsonElement> JSON_TREE = new Gson().getAdapter(JsonElement.class);

    /** The kinds of check. */
    @API(status = STABLE, since = "0.1")
    public enum Type {
        EXACT, CONTAINS, ICONTAINS, REGEX, JSON;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Type parse(String s) {
            for (Type t : values()) {
                if (t.label().equals(s)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown check '" + s
                    + "' (expected exact, contains, icontains, regex or json)");
        }
    }

    public Check {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(expect, "expect");
        if (type == Type.REGEX) {
            Pattern.compile(expect.orElseThrow(() -> new IllegalArgumentException("a regex check needs 'expect' (the pattern)")));
        }
        if (type == Type.JSON && expect.isPresent()) {
            parseStrict(expect.get()).orElseThrow(() -> new IllegalArgumentException(
                    "'expect' of a json check is not valid JSON: " + expect.get()));
        }
    }

    public static Check exact(String expect) {
        return new Check(Type.EXACT, Optional.of(expect));
    }

    public static Check contains(String expect) {
        return new Check(Type.CONTAINS, Optional.of(expect));
    }

    public static Check icontains(String expect) {
        return new Check(Type.ICONTAINS, Optional.of(expect));
    }

    public static Check regex(String pattern) {
        return new Check(Type.REGEX, Optional.of(pattern));
    }

    /** Valid JSON, optionally equal to {@code expect}. */
    public static Check json(Optional<String> expect) {
        return new Check(Type.JSON, expect);
    }

    /** Whether {@code output} passes; {@code answer} stands in for a missing {@code expect}. */
    public boolean test(String output, Optional<String> answer) {
        return switch (type) {
            case EXACT -> output.strip().equals(operand(answer).strip());
            case CONTAINS -> output.contains(operand(answer).strip());
            case ICONTAINS -> output.toLowerCase(Locale.ROOT).contains(operand(answer).strip().toLowerCase(Locale.ROOT));
            case REGEX -> Pattern.compile(expect.orElseThrow()).matcher(output).find();
            case JSON -> {
                Optional<JsonElement> got = parseStrict(output.strip());
                yield got.isPresent() && expect.map(e -> parseStrict(e).orElseThrow().equals(got.get())).orElse(true);
            }
        };
    }

    private String operand(Optional<String> answer) {
        return expect.or(() -> answer).orElseThrow(() -> new IllegalStateException(
                "check " + type.label() + " has neither 'expect' nor an answer"));
    }

    /** Strict RFC 8259 parse of a whole string; empty if it is not exactly one JSON value. */
    static Optional<JsonElement> parseStrict(String s) {
        try (JsonReader r = new JsonReader(new StringReader(s))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement e = JSON_TREE.read(r);
            return r.peek() == JsonToken.END_DOCUMENT ? Optional.of(e) : Optional.empty();
        } catch (JsonParseException | IOException | IllegalStateException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return type.label() + expect.map(e -> " " + e).orElse("");
    }
}
