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
 *
 * <p>A suite is immutable and holds at least one item; its item ids are unique. Two suites are
 * {@linkplain #equals(Object) equal} when they have the same name and the same content hash.
 *
 * @since 0.1
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

    /**
     * Loads a JSONL suite; its name is the file name without {@code .jsonl}. Error messages name the file
     * by {@code jsonl} as given.
     *
     * @param jsonl the suite file (read as UTF-8; see the format above)
     * @return the suite, its items in file order
     * @throws SuiteFormatException if the file breaks the format; the message names the file and line
     * @throws UncheckedIOException if the file cannot be read ("cannot read suite" and the path)
     */
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
     * Loads a JSONL suite from a stream. Reads the stream to its end but does not close it; that is
     * left to the caller.
     *
     * @param name the suite's name, as {@link #name()} returns it
     * @param jsonl the suite's bytes, UTF-8 JSONL as described above
     * @param source what error messages call the input, e.g. a file or resource name
     * @return the suite, its items in input order
     * @throws SuiteFormatException if the input breaks the format; the message names {@code source} and
     *     the line
     * @throws UncheckedIOException if reading the stream fails ("cannot read suite" and {@code source})
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

    /**
     * Loads a suite shipped as a class-path resource (e.g. in a test jar), through the calling thread's
     * context class loader, else Retention's own (a context loader that cannot see Retention's jar does not hide
     * {@link #canaries()}), and closes the stream. The suite is
     * named after the resource's last path segment without
     * {@code .jsonl}; error messages name the resource.
     *
     * @param resource the resource path, without a leading slash (e.g. {@code "suites/general.jsonl"})
     * @return the suite, its items in file order
     * @throws IllegalArgumentException if no such resource is on the class path (the message names it)
     * @throws SuiteFormatException if the resource breaks the format
     */
    public static Suite fromResource(String resource) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        InputStream found = context == null ? null : context.getResourceAsStream(resource);
        if (found == null) {
            found = Suite.class.getClassLoader().getResourceAsStream(resource);
        }
        if (found == null) {
            throw new IllegalArgumentException("no suite resource '" + resource + "' on the class path");
        }
        String base = resource.substring(resource.lastIndexOf('/') + 1);
        try (InputStream in = found) {
            return load(base.endsWith(".jsonl") ? base.substring(0, base.length() - 6) : base, in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the suite resource '" + resource + "'", e);
        }
    }

    /**
     * Starts a suite built in code.
     *
     * @param name the suite's name, not null
     * @return a new, empty builder whose items are not chat items until {@link Builder#chat(boolean)} says so
     * @throws NullPointerException if {@code name} is null
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The built-in canary suite for real instruction-tuned models: about thirty short probes of
     * instruction following, multi-step reasoning, coherence, format compliance and general
     * knowledge, each with a severity (critical, high, medium). Every item is a chat item, so with the
     * default chat template setting ({@code auto}) a model that has a chat template is asked through it.
     * Loaded from the resource {@code dev/retention/suite/canaries.jsonl} on each call.
     *
     * @return the canary suite, named {@code canaries}
     */
    public static Suite canaries() {
        return fromResource("dev/retention/suite/canaries.jsonl");
    }

    /**
     * The suite's name: the file name without {@code .jsonl} for a loaded suite, the name given otherwise.
     *
     * @return the suite's name
     */
    public String name() {
        return name;
    }

    /**
     * Every item, in suite order.
     *
     * @return an unmodifiable list of the items
     */
    public List<SuiteItem> items() {
        return items;
    }

    /**
     * The number of items, of every kind (perplexity items included).
     *
     * @return the number of items, at least 1
     */
    public int size() {
        return items.size();
    }

    /**
     * Looks an item up by its id.
     *
     * @param id the item's id, compared exactly (case-sensitive)
     * @return the item with that id, or empty if the suite has none
     */
    public Optional<SuiteItem> item(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Category names, sorted.
     *
     * @return an unmodifiable list of the distinct category names of the items, in natural
     *     ({@link String#compareTo}) order
     */
    public List<String> categories() {
        TreeSet<String> c = new TreeSet<>();
        items.forEach(i -> c.add(i.category()));
        return List.copyOf(c);
    }

    /**
     * Items of one category, in suite order (empty if the category is unknown).
     *
     * @param category the category name, compared exactly
     * @return an unmodifiable list of that category's items
     */
    public List<SuiteItem> items(String category) {
        return items.stream().filter(i -> i.category().equals(category)).toList();
    }

    /**
     * A sub-suite of the items matching {@code keep}, named {@code name} ({@code newName}), in suite order.
     * This suite is unchanged.
     *
     * @param newName the sub-suite's name
     * @param keep which items to keep
     * @return a new suite of the kept items, with its own content hash
     * @throws SuiteFormatException if {@code keep} matches no item (line 0; the message names {@code newName})
     */
    public Suite filter(String newName, Predicate<SuiteItem> keep) {
        return new Suite(newName, items.stream().filter(keep).toList(), newName);
    }

    /**
     * SHA-256 (hex) of the canonical items; equal suites have equal hashes whatever their formatting.
     * It covers the items and their order, not the suite's name.
     *
     * @return the hash as 64 lower-case hex digits
     */
    public String contentHash() {
        return contentHash;
    }

    /**
     * Writes the suite as canonical JSONL: one line per item, defaults written out, no defaults line
     * (each chat item says {@code "chat": true}). The file is replaced atomically; loading it gives a suite
     * with the same content hash.
     *
     * @param jsonl the file to write; its parent directory must exist
     * @throws UncheckedIOException if the file cannot be written; the earlier file, if any, is then unchanged
     */
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

    /**
     * Builds a suite in code; item constructors validate as the file loader does. Not thread-safe; a
     * builder may go on adding items after {@link #build()}.
     */
    @API(status = STABLE, since = "0.1")
    public static final class Builder {
        private final String name;
        private final List<SuiteItem> items = new ArrayList<>();
        private boolean chat;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /**
         * Adds an item as it is (its own chat setting included).
         *
         * @param item the item, not null
         * @return this builder
         * @throws NullPointerException if {@code item} is null
         */
        public Builder add(SuiteItem item) {
            items.add(Objects.requireNonNull(item, "item"));
            return this;
        }

        /**
         * Whether the generate, choice and loglikelihood items this builder makes from now on are chat items
         * (the suite-level default of a file; items passed to {@link #add} keep their own setting).
         * Perplexity items are never chat items. The default is false.
         *
         * @param chatItems true to make chat items from now on, false for plain ones
         * @return this builder
         */
        public Builder chat(boolean chatItems) {
            this.chat = chatItems;
            return this;
        }

        /**
         * Adds a generate item with the default token budget ({@value SuiteItem#DEFAULT_MAX_TOKENS} tokens) and stop
         * string (a newline), no severity and no tags.
         *
         * @param id the item's id, unique in the suite (checked by {@link #build()})
         * @param category the item's category
         * @param prompt the text generation starts from
         * @param answer the reference continuation, not null; also the check's operand when it has no {@code expect}
         * @param check how the generated output is judged
         * @return this builder
         * @throws NullPointerException if {@code answer} is null
         */
        public Builder generate(String id, String category, String prompt, String answer, Check check) {
            return add(new SuiteItem.Generate(id, category, prompt, Optional.of(answer), check,
                    SuiteItem.DEFAULT_MAX_TOKENS, SuiteItem.DEFAULT_STOP, Optional.empty(), List.of(), chat));
        }

        /**
         * Adds a multiple-choice item scored by raw log-likelihood ({@code acc}), with the default delimiter
         * (one space), no severity and no tags.
         *
         * @param id the item's id, unique in the suite (checked by {@link #build()})
         * @param category the item's category
         * @param context the text each choice continues
         * @param choices at least 2 distinct choices
         * @param gold the 0-based index of the right choice
         * @return this builder
         * @throws IllegalArgumentException if the choices or {@code gold} are invalid (see {@link SuiteItem.Choice})
         */
        public Builder choice(String id, String category, String context, List<String> choices, int gold) {
            return add(new SuiteItem.Choice(id, category, context, choices, gold, SuiteItem.DEFAULT_DELIMITER, false,
                    Optional.empty(), List.of(), chat));
        }

        /**
         * Adds a greedy-match log-likelihood item, with the default delimiter (one space), no severity and no tags.
         *
         * @param id the item's id, unique in the suite (checked by {@link #build()})
         * @param category the item's category
         * @param context the text the answer continues
         * @param answer the continuation that must be the greedy one for the item to pass
         * @return this builder
         */
        public Builder loglikelihood(String id, String category, String context, String answer) {
            return add(new SuiteItem.Loglikelihood(id, category, context, answer, SuiteItem.DEFAULT_DELIMITER,
                    Optional.empty(), List.of(), chat));
        }

        /**
         * Adds a perplexity item, with no severity and no tags; never a chat item.
         *
         * @param id the item's id, unique in the suite (checked by {@link #build()})
         * @param category the item's category
         * @param text the text whose likelihood is measured, not empty
         * @return this builder
         * @throws IllegalArgumentException if {@code text} is empty
         */
        public Builder perplexity(String id, String category, String text) {
            return add(new SuiteItem.Perplexity(id, category, text, Optional.empty(), List.of()));
        }

        /**
         * Builds the suite from the items added so far, in the order added.
         *
         * @return a new suite
         * @throws SuiteFormatException if no item was added or two items share an id (line 0; the message
         *     names {@code suite '<name>'})
         */
        public Suite build() {
            return new Suite(name, Collections.unmodifiableList(new ArrayList<>(items)), "suite '" + name + "'");
        }
    }
}
