package dev.retention.suite;

import dev.retention.io.internal.AtomicFiles;
import dev.retention.io.internal.Sha256;
import org.apiguardian.api.API;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A named, ordered set of capability items, loaded from JSONL or built in code.
 *
 * <p>File format: UTF-8 without a byte-order mark, one JSON object per line, blank lines ignored. Every item has {@code id}
 * (unique in the suite), {@code category} and {@code kind}; optional {@code severity}
 * (critical, high, medium, low), {@code tags} and {@code chat} (true: a chat item, see {@link SuiteItem#chat()};
 * not for perplexity items). Per kind:
 * <ul>
 *   <li>{@code generate}: {@code prompt}, {@code answer} (reference continuation), {@code check}
 *       (exact [default], contains, icontains, regex, json), {@code expect} (the check's operand;
 *       defaults to answer; required for regex), {@code maxTokens} (32), {@code stop} (["\n"]);</li>
 *   <li>{@code choice}: {@code context}, {@code choices}, {@code gold} (0-based index),
 *       {@code delimiter} (" "), {@code metric} (acc [default] or acc_norm);</li>
 *   <li>{@code loglikelihood}: {@code context}, {@code answer}, {@code delimiter} (" ");</li>
 *   <li>{@code perplexity}: {@code text}.</li>
 * </ul>
 * The first line may instead set suite-level defaults: {@code {"defaults": {"chat": true}}} makes every item
 * that does not say {@code "chat": false} a chat item (perplexity items excepted).
 * Bytes that are not UTF-8 (a UTF-16 file, a byte-order mark, a Latin-1 character), unknown fields,
 * kinds, checks and severities, malformed JSON, duplicate ids and empty suites are errors that name
 * the file and line ({@link SuiteFormatException}).
 *
 * <p>The {@linkplain #contentHash() content hash} is SHA-256 over the canonical form of the items
 * (defaults written out, fixed key order), so reformatting a file does not change it and any change
 * of meaning does.
 */
@API(status = STABLE, since = "0.1")
public final class Suite {

    private final String name;
    private final List<SuiteItem> items;
    private final Map<String, SuiteItem> byId;
    private final String contentHash;

    private Suite(String name, List<SuiteItem> items, String source) {
        this.name = name;
        this.items = List.copyOf(items);
        Map<String, SuiteItem> ids = new HashMap<>();
        for (SuiteItem it : items) {
            if (ids.putIfAbsent(it.id(), it) != null) {
                throw new SuiteFormatException(source, 0, "duplicate id '" + it.id() + "'");
            }
        }
        if (items.isEmpty()) {
            throw new SuiteFormatException(source, 0, "suite '" + name + "' has no items");
        }
        this.byId = Map.copyOf(ids);
        this.contentHash = hash(this.items);
    }

    /** Loads a JSONL suite; its name is the file name without {@code .jsonl}. */
    public static Suite load(Path jsonl) {
        String file = jsonl.getFileName().toString();
        String name = file.endsWith(".jsonl") ? file.substring(0, file.length() - ".jsonl".length()) : file;
        try (InputStream in = Files.newInputStream(jsonl)) {
            return load(name, in, jsonl.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read suite " + jsonl, e);
        }
    }

    /**
     * Loads a JSONL suite from a stream.
     *
     * @param source what error messages call the input, e.g. a file or resource name
     */
    public static Suite load(String name, InputStream jsonl, String source) {
        byte[] bytes;
        try {
            bytes = jsonl.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read suite " + source, e);
        }
        List<SuiteItem> items = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        SuiteJson.Defaults defaults = SuiteJson.Defaults.NONE;
        boolean firstLine = true;
        int lineNo = 0;
        for (String line : SuiteText.lines(bytes, source)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            SuiteItem item;
            try {
                if (firstLine) {
                    firstLine = false;
                    if (SuiteJson.isDefaults(line)) {
                        defaults = SuiteJson.parseDefaults(line);
                        continue;
                    }
                }
                item = SuiteJson.parse(line, defaults);
            } catch (IllegalArgumentException e) {
                throw new SuiteFormatException(source, lineNo, e.getMessage());
            }
            Integer first = lineOfId.putIfAbsent(item.id(), lineNo);
            if (first != null) {
                throw new SuiteFormatException(source, lineNo, "duplicate id '" + item.id()
                        + "' (first used on line " + first + ")");
            }
            items.add(item);
        }
        return new Suite(name, items, source);
    }

    /** Loads a suite shipped as a class-path resource (e.g. in a test jar). */
    public static Suite fromResource(String resource) {
        InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalArgumentException("no suite resource '" + resource + "' on the class path");
        }
        String base = resource.substring(resource.lastIndexOf('/') + 1);
        return load(base.endsWith(".jsonl") ? base.substring(0, base.length() - 6) : base, in, resource);
    }

    /** Starts a suite built in code. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The built-in canary suite for real instruction-tuned models: about thirty short probes of
     * instruction following, multi-step reasoning, coherence, format compliance and general
     * knowledge, each with a severity (critical, high, medium). Every item is a chat item, so with the
     * default chat template setting ({@code auto}) a model that has a chat template is asked through it.
     */
    public static Suite canaries() {
        return fromResource("dev/retention/suite/canaries.jsonl");
    }

    public String name() {
        return name;
    }

    public List<SuiteItem> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    public Optional<SuiteItem> item(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Category names, sorted. */
    public List<String> categories() {
        TreeSet<String> c = new TreeSet<>();
        items.forEach(i -> c.add(i.category()));
        return List.copyOf(c);
    }

    /** Items of one category, in suite order (empty if the category is unknown). */
    public List<SuiteItem> items(String category) {
        return items.stream().filter(i -> i.category().equals(category)).toList();
    }

    /** A sub-suite of the items matching {@code keep}, named {@code name}. */
    public Suite filter(String newName, Predicate<SuiteItem> keep) {
        return new Suite(newName, items.stream().filter(keep).toList(), newName);
    }

    /** SHA-256 (hex) of the canonical items; equal suites have equal hashes whatever their formatting. */
    public String contentHash() {
        return contentHash;
    }

    /** Writes the suite as canonical JSONL. */
    public void write(Path jsonl) {
        StringBuilder sb = new StringBuilder();
        for (SuiteItem it : items) {
            sb.append(SuiteJson.write(it)).append('\n');
        }
        try {
            AtomicFiles.writeString(jsonl, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write suite " + jsonl + " (" + e.getMessage()
                    + "); the previous file, if any, is unchanged", e);
        }
    }

    private static String hash(List<SuiteItem> items) {
        MessageDigest md = Sha256.digest();
        for (SuiteItem it : items) {
            md.update(SuiteJson.write(it).getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return Sha256.hex(md);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Suite s && s.name.equals(name) && s.contentHash.equals(contentHash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, contentHash);
    }

    @Override
    public String toString() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        categories().forEach(c -> counts.put(c, items(c).size()));
        return "Suite " + name + " " + counts + " (sha256 " + contentHash.substring(0, 12) + ")";
    }

    /** Builds a suite in code; item constructors validate as the file loader does. */
    @API(status = STABLE, since = "0.1")
    public static final class Builder {
        private final String name;
        private final List<SuiteItem> items = new ArrayList<>();
        private boolean chat;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder add(SuiteItem item) {
            items.add(Objects.requireNonNull(item, "item"));
            return this;
        }

        /**
         * Whether the generate, choice and loglikelihood items this builder makes from now on are chat items
         * (the suite-level default of a file; items passed to {@link #add} keep their own setting).
         */
        public Builder chat(boolean chatItems) {
            this.chat = chatItems;
            return this;
        }

        /** A generate item with the default token budget and stop string. */
        public Builder generate(String id, String category, String prompt, String answer, Check check) {
            return add(new SuiteItem.Generate(id, category, prompt, Optional.of(answer), check,
                    SuiteItem.DEFAULT_MAX_TOKENS, SuiteItem.DEFAULT_STOP, Optional.empty(), List.of(), chat));
        }

        /** A multiple-choice item scored by raw log-likelihood ({@code acc}). */
        public Builder choice(String id, String category, String context, List<String> choices, int gold) {
            return add(new SuiteItem.Choice(id, category, context, choices, gold, SuiteItem.DEFAULT_DELIMITER, false,
                    Optional.empty(), List.of(), chat));
        }

        /** A greedy-match log-likelihood item. */
        public Builder loglikelihood(String id, String category, String context, String answer) {
            return add(new SuiteItem.Loglikelihood(id, category, context, answer, SuiteItem.DEFAULT_DELIMITER,
                    Optional.empty(), List.of(), chat));
        }

        /** A perplexity item. */
        public Builder perplexity(String id, String category, String text) {
            return add(new SuiteItem.Perplexity(id, category, text, Optional.empty(), List.of()));
        }

        public Suite build() {
            return new Suite(name, Collections.unmodifiableList(new ArrayList<>(items)), "suite '" + name + "'");
        }
    }
}
