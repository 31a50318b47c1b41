package dev.retention.eval;

import org.apiguardian.api.API;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import dev.retention.eval.internal.ScoringConfig;

import static org.apiguardian.api.API.Status.INTERNAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * How one model did on one suite: every item's result, per-category summaries, and the identities
 * (model fingerprint, suite content hash, scoring configuration) that say which scores can be
 * compared or reused.
 *
 * <p>Scorecards round-trip through JSON ({@link #write(Path)}, {@link #read(Path)}) with a versioned
 * schema, so a baseline scored once can be committed and compared against without its model. A
 * file carries a checksum of its content and is refused when edited; its summaries are recomputed
 * from the items. Files are written atomically (a temporary file, then a rename).
 *
 * <p>A scorecard is immutable; it is made by {@link Evaluator#score(dev.retention.suite.Suite)} or read from
 * JSON.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class Scorecard {

    /**
     * Current JSON schema version; readers refuse other versions. Version 2 added a checksum over the
     * content and each item's {@code truncatedTokens}; version 1 files are refused (no checksum).
     */
    public static final int SCHEMA_VERSION = 2;

    private final String suiteName;
    private final String suiteHash;
    private final ModelRef model;
    private final ScoringConfig scoring;
    private final Instant createdAt;
    private final List<ItemResult> items;
    private final Map<String, ItemResult> byId;
    private final Map<String, CategoryScore> categories;

    /**
     * A scorecard of the given items, for Retention's own packages (its scoring configuration type is internal):
     * users get scorecards from {@link Evaluator#score(dev.retention.suite.Suite)} or {@link #read(Path)}. The
     * per-category summaries are computed here from the items.
     *
     * @param suiteName the suite's name
     * @param suiteHash content hash of the suite that was scored
     * @param model the model scored
     * @param scoring the settings the scores depend on
     * @param createdAt when the scoring ran
     * @param items every item's result, in suite order; copied
     * @throws NullPointerException naming the argument when one is null, or when {@code items} holds a null
     * @throws IllegalArgumentException naming the id and the suite when two items share an id
     */
    @API(status = INTERNAL, since = "0.1")
    public Scorecard(String suiteName, String suiteHash, ModelRef model, ScoringConfig scoring, Instant createdAt,
                     List<ItemResult> items) {
        this.suiteName = Objects.requireNonNull(suiteName, "suiteName");
        this.suiteHash = Objects.requireNonNull(suiteHash, "suiteHash");
        this.model = Objects.requireNonNull(model, "model");
        this.scoring = Objects.requireNonNull(scoring, "scoring");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.items = List.copyOf(items);
        Map<String, ItemResult> ids = new LinkedHashMap<>();
        Map<String, List<ItemResult>> perCategory = new TreeMap<>();
        for (ItemResult r : this.items) {
            if (ids.put(r.id(), r) != null) {
                throw new IllegalArgumentException("duplicate item id '" + r.id() + "' in scorecard of " + suiteName);
            }
            perCategory.computeIfAbsent(r.category(), c -> new ArrayList<>()).add(r);
        }
        this.byId = Collections.unmodifiableMap(ids);
        Map<String, CategoryScore> cats = new LinkedHashMap<>();
        perCategory.forEach((c, rs) -> cats.put(c, CategoryScore.of(c, rs)));
        this.categories = Collections.unmodifiableMap(cats);
    }

    /**
     * The scored suite's name.
     *
     * @return the suite's name, as in its file
     */
    public String suiteName() {
        return suiteName;
    }

    /**
     * Content hash of the suite that was scored.
     *
     * @return the suite's content hash ({@link dev.retention.suite.Suite#contentHash()}); scores of suites with
     *     different hashes are not comparable
     */
    public String suiteHash() {
        return suiteHash;
    }

    /**
     * The model these scores belong to.
     *
     * @return its name, fingerprint, path and device
     */
    public ModelRef model() {
        return model;
    }

    /**
     * The settings the scores depend on (batch size, context length, templates, library and engine), for
     * Retention's own packages: its type is internal. Two scorecards are compared only when these agree.
     *
     * @return the scoring configuration recorded with the scores
     */
    @API(status = INTERNAL, since = "0.1")
    public ScoringConfig scoring() {
        return scoring;
    }

    /**
     * When the scoring ran.
     *
     * @return the time the scorecard was assembled; for one read from JSON, the time recorded there
     */
    public Instant createdAt() {
        return createdAt;
    }

    /**
     * Every item's result.
     *
     * @return the results in suite order, as an unmodifiable list
     */
    public List<ItemResult> items() {
        return items;
    }

    /**
     * One item's result.
     *
     * @param id the item's id, as in the suite
     * @return the result, or empty when the scorecard has no item {@code id}
     */
    public Optional<ItemResult> item(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * Per-category summaries, sorted by category name.
     *
     * @return an unmodifiable map from category name to its summary, iterating in name order
     */
    public Map<String, CategoryScore> categories() {
        return categories;
    }

    /**
     * The summary of {@code category}.
     *
     * @param category the category's name
     * @return its summary
     * @throws IllegalArgumentException naming the known categories when there is no such category
     */
    public CategoryScore category(String category) {
        CategoryScore s = categories.get(category);
        if (s == null) {
            throw new IllegalArgumentException("no category '" + category + "' in suite " + suiteName
                    + "; known categories: " + String.join(", ", categories.keySet()));
        }
        return s;
    }

    /**
     * Items of one category in suite order.
     *
     * @param category the category's name
     * @return the category's results, as a new unmodifiable list
     * @throws IllegalArgumentException naming the known categories when there is no such category
     */
    public List<ItemResult> items(String category) {
        category(category);
        return items.stream().filter(r -> r.category().equals(category)).toList();
    }

    /**
     * All items pooled (micro average).
     *
     * @return a summary named {@code overall} over every item, computed anew on each call
     */
    public CategoryScore overall() {
        return CategoryScore.of("overall", items);
    }

    /**
     * Writes this scorecard as JSON (schema {@value #SCHEMA_VERSION}).
     *
     * @param file the file to write (UTF-8), replaced atomically if it exists; its directory is created if needed
     * @throws java.io.UncheckedIOException naming the file when it cannot be written; the previous file, if
     *     any, is then unchanged
     */
    public void write(Path file) {
        ScorecardJson.write(this, file);
    }

    /**
     * This scorecard as a JSON string.
     *
     * @return the JSON text {@link #write(Path)} writes (pretty-printed, with its checksum, ending in a line break)
     */
    public String toJson() {
        return ScorecardJson.toJson(this);
    }

    /**
     * Reads a scorecard written by {@link #write(Path)}.
     *
     * @param file the scorecard file, UTF-8
     * @return the scorecard, its checksum and summaries checked
     * @throws ScorecardFormatException naming the file when it is truncated, corrupt or of another
     *     schema version
     * @throws java.io.UncheckedIOException naming the file when it cannot be read (missing, say)
     */
    public static Scorecard read(Path file) {
        return ScorecardJson.read(file);
    }

    /**
     * Parses a scorecard from JSON text; {@code source} names it in errors.
     *
     * @param json the text, as {@link #toJson()} writes it
     * @param source what the text is (a file name, say), for error messages
     * @return the scorecard, its checksum and summaries checked
     * @throws ScorecardFormatException naming {@code source} when the text is truncated, corrupt, edited or of
     *     another schema version
     */
    public static Scorecard fromJson(String json, String source) {
        return ScorecardJson.fromJson(json, source);
    }

    @Override
    public String toString() {
        return "Scorecard[" + model.name() + " on " + suiteName + ": " + items.size() + " items, "
                + categories.keySet() + "]";
    }
}
