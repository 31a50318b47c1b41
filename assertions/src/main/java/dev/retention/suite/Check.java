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
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public record Check(Type type, Optional<String> expect) {

    private static final TypeAdapter<JsonElement> JSON_TREE = new Gson().getAdapter(JsonElement.class);

    /** The kinds of check. */
    @API(status = STABLE, since = "0.1")
    public enum Type {
        /** The stripped output equals the stripped operand (suite files: {@code exact}, the default). */
        EXACT,
        /** The output contains the stripped operand, case-sensitively (suite files: {@code contains}). */
        CONTAINS,
        /**
         * The output contains the stripped operand, both lower-cased with {@link Locale#ROOT}
         * (suite files: {@code icontains}).
         */
        ICONTAINS,
        /** The {@code expect} pattern is found anywhere in the raw output (suite files: {@code regex}). */
        REGEX,
        /**
         * The stripped output is one strict JSON value, equal as JSON to {@code expect} when that is given
         * (suite files: {@code json}).
         */
        JSON;

        /**
         * The name of this check in suite files, the value of an item's {@code check} field.
         *
         * @return the lower-case constant name, e.g. {@code "icontains"}
         */
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

    /**
     * Validates the check: a regex must compile and a json check's {@code expect}, when given, must be
     * strict JSON.
     *
     * @param type the check
     * @param expect the operand, or empty to use the item's answer (required for regex)
     * @throws NullPointerException if {@code type} or {@code expect} is null
     * @throws IllegalArgumentException if a regex check has no {@code expect}, or a json check's
     *     {@code expect} is not valid JSON (the message quotes it)
     * @throws java.util.regex.PatternSyntaxException if a regex check's {@code expect} is not a valid Java regex
     */
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

    /**
     * An {@code exact} check against a given operand.
     *
     * @param expect the text the stripped output must equal once stripped itself, not null
     * @return the check
     * @throws NullPointerException if {@code expect} is null
     */
    public static Check exact(String expect) {
        return new Check(Type.EXACT, Optional.of(expect));
    }

    /**
     * A case-sensitive {@code contains} check.
     *
     * @param expect the text the output must contain (stripped before the search), not null
     * @return the check
     * @throws NullPointerException if {@code expect} is null
     */
    public static Check contains(String expect) {
        return new Check(Type.CONTAINS, Optional.of(expect));
    }

    /**
     * A case-insensitive {@code icontains} check ({@link Locale#ROOT} lower-casing of both sides).
     *
     * @param expect the text the output must contain (stripped before the search), not null
     * @return the check
     * @throws NullPointerException if {@code expect} is null
     */
    public static Check icontains(String expect) {
        return new Check(Type.ICONTAINS, Optional.of(expect));
    }

    /**
     * A {@code regex} check: passes when the pattern is found anywhere in the raw (unstripped) output.
     * Anchor it ({@code ^...$}) to match the whole output.
     *
     * @param pattern a Java regular expression ({@link Pattern}), not null
     * @return the check
     * @throws NullPointerException if {@code pattern} is null
     * @throws java.util.regex.PatternSyntaxException if {@code pattern} does not compile
     */
    public static Check regex(String pattern) {
        return new Check(Type.REGEX, Optional.of(pattern));
    }

    /**
     * Valid JSON, optionally equal to {@code expect}.
     *
     * @param expect the JSON value the output must equal (compared as parsed JSON, so whitespace and key
     *     order do not matter), or empty to accept any strict JSON value
     * @return the check
     * @throws IllegalArgumentException if {@code expect} is present but not valid JSON
     */
    public static Check json(Optional<String> expect) {
        return new Check(Type.JSON, expect);
    }

    /**
     * Whether {@code output} passes; {@code answer} stands in for a missing {@code expect}.
     *
     * @param output the model's generated text, as generated (not stripped)
     * @param answer the item's reference answer, used as the operand of exact, contains and icontains
     *     when this check has no {@code expect}; ignored by regex and json
     * @return true if the output passes the check
     * @throws IllegalStateException if an exact, contains or icontains check has neither {@code expect}
     *     nor an answer
     */
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
