package dev.retention.suite;

import org.apiguardian.api.API;

import java.util.Locale;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * How much a failing item matters; canary assertions select by severity. Ordered most severe first.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public enum Severity {
    /** The most severe level (suite files: {@code critical}); selected by every canary threshold. */
    CRITICAL,
    /** The second level (suite files: {@code high}). */
    HIGH,
    /** The third level (suite files: {@code medium}). */
    MEDIUM,
    /** The least severe level (suite files: {@code low}); selected only by a {@code LOW} threshold. */
    LOW;

    /**
     * The lower-case name used in suite files.
     *
     * @return the value of an item's {@code severity} field for this level, e.g. {@code "high"}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Severity parse(String s) {
        for (Severity v : values()) {
            if (v.label().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown severity '" + s + "' (expected critical, high, medium or low)");
    }

    /**
     * Whether this severity is at least as severe as {@code other}.
     *
     * @param other the threshold, not null
     * @return true if this level is {@code other} or comes before it ({@code CRITICAL.atLeast(HIGH)} is true)
     * @throws NullPointerException if {@code other} is null
     */
    public boolean atLeast(Severity other) {
        return ordinal() <= other.ordinal();
    }
}
