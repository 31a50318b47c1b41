package dev.retention.eval.internal;

import dev.retention.io.internal.AtomicFiles;
import dev.retention.io.internal.Sha256;
import org.apiguardian.api.API;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import dev.retention.eval.Scorecard;
import dev.retention.eval.ScorecardFormatException;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Scorecards cached on disk, one file per {@link ScorecardKey#hash()}, so an unchanged baseline is
 * scored once and then read back in later runs.
 *
 * <p>An entry is one header line {@code retention-scorecard-cache 1 sha256=<hash of the rest>}
 * followed by the scorecard JSON. Reads verify the hash, parse the scorecard and check that it
 * belongs to the key; a truncated, corrupt or mismatching entry is reported and recomputed, never
 * trusted. Writes go to a temporary file in the same directory and are renamed into place
 * atomically, so concurrent runs never see half an entry.
 *
 * <p>A cache may be shared between threads: its counters are atomic. Concurrent requests for one key are
 * not merged: each scores and writes, and the last rename wins. An entry that cannot be written is
 * reported to the log and the scorecard returned all the same.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class ScorecardCache implements ScorecardStore {

    /** How the cache is used. */
    @API(status = INTERNAL, since = "0.1")
    public enum Mode {
        /** Read valid entries, write new ones (default). */
        READ_WRITE,
        /** Read valid entries, never write (e.g. a shared CI cache). */
        READ_ONLY,
        /** Ignore existing entries, score again and overwrite. */
        REFRESH,
        /** Neither read nor write. */
        OFF;

        /**
         * Parses {@code read-write}, {@code read-only}, {@code refresh} or {@code off}, ignoring case and
         * surrounding whitespace.
         *
         * @param s the setting, as a user writes it
         * @return the mode whose {@link #label()} it is
         * @throws IllegalArgumentException naming {@code s} and the four accepted values when it is none of them
         */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown cache mode '" + s + "' (expected read-write, read-only, "
                    + "refresh or off)");
        }

        /**
         * The mode as a setting writes it: its name in lower case, with {@code -} for {@code _}.
         *
         * @return the label, e.g. {@code read-write}; {@link #parse(String)} accepts it
         */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private static final String HEADER = "retention-scorecard-cache 1 sha256=";

    private final Path dir;
    private final Mode mode;
    private final Consumer<String> log;
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misses = new AtomicInteger();

    /**
     * A cache in {@code dir}, used as {@code mode} says. Nothing is read or created until the first
     * {@link #get}; the counters start at 0.
     *
     * @param dir cache directory (created on first write); made absolute and normalised
     * @param mode how to use it
     * @param log receives one line per hit, miss or rejected entry
     */
    public ScorecardCache(Path dir, Mode mode, Consumer<String> log) {
        this.dir = dir.toAbsolutePath().normalize();
        this.mode = mode;
        this.log = log;
    }

    /**
     * The default location, outside any build directory so it survives {@code mvn clean}:
     * {@code $XDG_CACHE_HOME/retention/scorecards}, else {@code ~/.cache/retention/scorecards}.
     *
     * @return the default cache directory ({@code XDG_CACHE_HOME} counts only when set and not blank);
     *     it is not created here
     */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("retention").resolve("scorecards");
    }

    /**
     * The scorecard for {@code key}. In {@link Mode#READ_WRITE} and {@link Mode#READ_ONLY} a valid entry is
     * returned (a hit) and {@code score} is not called. Otherwise (no valid entry, or {@link Mode#REFRESH} or
     * {@link Mode#OFF}) {@code score} computes it (a miss); in {@link Mode#READ_WRITE} and {@link Mode#REFRESH}
     * the result is then written as the key's entry. Each hit, each miss outside {@link Mode#OFF}, each
     * rejected entry and each failed write is logged as one line.
     *
     * @param key what the scorecard depends on; its {@link ScorecardKey#hash()} names the entry's file
     * @param score computes the scorecard on a miss; what it throws reaches the caller, and nothing is written
     * @return the cached scorecard, or the one {@code score} computed
     */
    @Override
    public Scorecard get(ScorecardKey key, Supplier<Scorecard> score) {
        Path file = file(key);
        String what = key.modelName() + " on " + key.suiteName() + " (key " + key.hash().substring(0, 12) + ")";
        if (mode == Mode.READ_WRITE || mode == Mode.READ_ONLY) {
            Scorecard cached = read(file, key);
            if (cached != null) {
                hits.incrementAndGet();
                log.accept("retention: scorecard cache hit: " + what + ", not scoring it again");
                return cached;
            }
        }
        misses.incrementAndGet();
        if (mode != Mode.OFF) {
            log.accept("retention: scorecard cache " + (mode == Mode.REFRESH ? "refresh" : "miss") + ": scoring " + what);
        }
        Scorecard card = score.get();
        if (mode == Mode.READ_WRITE || mode == Mode.REFRESH) {
            write(file, card);
        }
        return card;
    }

    /**
     * How many {@link #get} calls returned a cached entry since this cache was made.
     *
     * @return the number of hits
     */
    public int hits() {
        return hits.get();
    }

    /**
     * How many {@link #get} calls had {@code score} compute the scorecard since this cache was made: no valid
     * entry, and every call in {@link Mode#REFRESH} and {@link Mode#OFF}.
     *
     * @return the number of misses
     */
    public int misses() {
        return misses.get();
    }

    /**
     * The directory the entries are in.
     *
     * @return the cache directory, absolute and normalised; it need not exist yet
     */
    public Path directory() {
        return dir;
    }

    /**
     * How this cache is used.
     *
     * @return the mode given when it was made
     */
    public Mode mode() {
        return mode;
    }

    /**
     * Where the scorecard of {@code key} is stored.
     *
     * @param key the scorecard's key
     * @return its file under the cache directory (which need not exist)
     */
    public Path file(ScorecardKey key) {
        return dir.resolve(key.hash() + ".json");
    }

    private Scorecard read(Path file, ScorecardKey key) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String all = Files.readString(file, StandardCharsets.UTF_8);
            int nl = all.indexOf('\n');
            if (nl < 0 || !all.startsWith(HEADER)) {
                return reject(file, "no valid header (truncated or not a cache entry)");
            }
            String body = all.substring(nl + 1);
            if (!all.substring(HEADER.length(), nl).equals(sha256(body))) {
                return reject(file, "content does not match its checksum (truncated or corrupt)");
            }
            Scorecard card = Scorecard.fromJson(body, file.toString());
            if (!key.matches(card)) {
                return reject(file, "belongs to another model, suite or scoring configuration");
            }
            return card;
        } catch (IOException | UncheckedIOException | ScorecardFormatException e) {
            return reject(file, e.getMessage());
        }
    }

    private Scorecard reject(Path file, String why) {
        log.accept("retention: ignoring scorecard cache entry " + file + ": " + why + "; scoring again");
        return null;
    }

    private void write(Path file, Scorecard card) {
        try {
            String body = card.toJson();
            AtomicFiles.writeString(file, HEADER + sha256(body) + "\n" + body);
        } catch (IOException e) {
            log.accept("retention: cannot write scorecard cache entry " + file + ": " + e.getMessage());
        }
    }

    private static String sha256(String s) {
        return Sha256.hex(s);
    }
}
