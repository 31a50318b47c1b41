package dev.retention.stats;

/** Argument checks shared by the package. */
final class Checks {

    private Checks() {}

    /** Requires a two-sided confidence level in {@code (0, 1)}; returns it. */
    static double confidence(double confidence) {
        if (!(confidence > 0.0 && confidence < 1.0)) {
            throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
        }
        return confidence;
    }

    /** Requires a non-inferiority margin in {@code [0, 1)}; returns it. */
    static double margin(double margin) {
        if (!(margin >= 0.0 && margin < 1.0)) {
            throw new IllegalArgumentException("margin must be in [0, 1): " + margin);
        }
        return margin;
    }

    /** Requires a significance level in {@code (0, 1)}; returns it. */
    static double alpha(double alpha) {
        if (!(alpha > 0.0 && alpha < 1.0)) {
            throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
        }
        return alpha;
    }
}
