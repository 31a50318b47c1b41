package dev.retention.model;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter between attempts of a request to a serving engine: before retry
 * {@code n} (0-based) the client waits {@code min(max, initial · multiplier^n)}, shortened by a random
 * share of up to {@code jitter} of it, so clients that failed together do not retry together. A
 * server's {@code Retry-After} is honoured on top (the longer of the two wins).
 */
record Backoff(Duration initial, double multiplier, Duration max, double jitter) {

    Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + " and " + max);
        }
        if (!(multiplier >= 1)) {
            throw new IllegalArgumentException("backoff multiplier must be >= 1, got " + multiplier);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter must be within [0, 1], got " + jitter);
        }
    }

    /** 0.5 s, doubling, at most 30 s, up to half of each delay drawn at random. */
    static Backoff defaults() {
        return new Backoff(Duration.ofMillis(500), 2.0, Duration.ofSeconds(30), 0.5);
    }

    /** The wait before retry {@code n} (0-based); {@code random} gives values in [0, 1). */
    Duration delay(int n, DoubleSupplier random) {
        double full = Math.min((double) max.toMillis(), initial.toMillis() * Math.pow(multiplier, n));
        return Duration.ofMillis(Math.round(full * (1 - jitter * random.getAsDouble())));
    }
}
