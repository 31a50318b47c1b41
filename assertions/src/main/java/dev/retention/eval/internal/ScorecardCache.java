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

        /** Parses {@code read-write}, {@code read-only}, {@code refresh} or {@code off}. */
        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown cache mode '" + s + "' (expected read-write, read-only, "
                    + "refresh or off)");
        }

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
     * @param dir cache directory (created on first write)
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
     */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("retention").resolve("scorecards");
    }

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

    public int hits() {
        return hits.get();
    }

    public int misses() {
        return misses.get();
    }

    public Path directory() {
        return dir;
    }

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
