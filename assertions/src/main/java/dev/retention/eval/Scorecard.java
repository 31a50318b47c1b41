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

    public String suiteName() {
        return suiteName;
    }

    /** Content hash of the suite that was scored. */
    public String suiteHash() {
        return suiteHash;
    }

    public ModelRef model() {
        return model;
    }

    public ScoringConfig scoring() {
        return scoring;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public List<ItemResult> items() {
        return items;
    }

    public Optional<ItemResult> item(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Per-category summaries, sorted by category name. */
    public Map<String, CategoryScore> categories() {
        return categories;
    }

    /**
     * The summary of {@code category}.
     *
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

    /** Items of one category in suite order. */
    public List<ItemResult> items(String category) {
        category(category);
        return items.stream().filter(r -> r.category().equals(category)).toList();
    }

    /** All items pooled (micro average). */
    public CategoryScore overall() {
        return CategoryScore.of("overall", items);
    }

    /** Writes this scorecard as JSON (schema {@value #SCHEMA_VERSION}). */
    public void write(Path file) {
        ScorecardJson.write(this, file);
    }

    /** This scorecard as a JSON string. */
    public String toJson() {
        return ScorecardJson.toJson(this);
    }

    /**
     * Reads a scorecard written by {@link #write(Path)}.
     *
     * @throws ScorecardFormatException naming the file when it is truncated, corrupt or of another
     *     schema version
     */
    public static Scorecard read(Path file) {
        return ScorecardJson.read(file);
    }

    /** Parses a scorecard from JSON text; {@code source} names it in errors. */
    public static Scorecard fromJson(String json, String source) {
        return ScorecardJson.fromJson(json, source);
    }

    @Override
    public String toString() {
        return "Scorecard[" + model.name() + " on " + suiteName + ": " + items.size() + " items, "
                + categories.keySet() + "]";
    }
}
