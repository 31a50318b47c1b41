package dev.retention.model;

import java.util.Map;
import java.util.Optional;

/**
 * The API key of a serving engine, read from an environment variable whose name is configured. The
 * value is only ever put in the {@code Authorization} header: {@link #toString()} names the variable,
 * and {@link #redact(String)} removes the value from any text before it reaches an exception.
 */
final class ApiKey {

    private final String variable;
    private final String value;

    private ApiKey(String variable, String value) {
        this.variable = variable;
        this.value = value;
    }

    /**
     * The key in {@code env.get(variable)}; empty when no variable is configured ({@code variable}
     * empty).
     *
     * @throws IllegalArgumentException naming the variable (never a value) when it is configured but unset or blank
     */
    static Optional<ApiKey> fromEnvironment(Optional<String> variable, Map<String, String> env) {
        if (variable.isEmpty()) {
            return Optional.empty();
        }
        String name = variable.get();
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            // Not quoted: what was given may be the key itself.
            throw new IllegalArgumentException("the API key is read from an environment variable, and the configured "
                    + "value (" + name.length() + " characters) is not a variable name: give the NAME of the variable "
                    + "that holds the key, not the key");
        }
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("environment variable " + name + " (configured to hold the serving "
                    + "engine's API key) is " + (v == null ? "not set" : "blank") + "; export it, or configure no "
                    + "API key for a server without one");
        }
        return Optional.of(new ApiKey(name, v.strip()));
    }

    /** The name of the variable the key came from. */
    String variable() {
        return variable;
    }

    String bearerHeader() {
        return "Bearer " + value;
    }

    /** {@code text} with every occurrence of the key replaced by {@code ***}. */
    String redact(String text) {
        return text.replace(value, "***");
    }

    @Override
    public String toString() {
        return "API key from $" + variable;
    }
}
