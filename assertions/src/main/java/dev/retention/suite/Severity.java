package dev.retention.suite;

import org.apiguardian.api.API;

import java.util.Locale;

import static org.apiguardian.api.API.Status.STABLE;

/** How much a failing item matters; canary assertions select by severity. Ordered most severe first. */
@API(status = STABLE, since = "0.1")
public enum Severity {
    CRITICAL, HIGH, MEDIUM, LOW;

    /** The lower-case name used in suite files. */
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

    /** Whether this severity is at least as severe as {@code other}. */
    public boolean atLeast(Severity other) {
        return ordinal() <= other.ordinal();
    }
}
