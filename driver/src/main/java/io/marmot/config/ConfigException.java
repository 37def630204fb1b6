package io.marmot.config;

import java.sql.SQLException;

/**
 * A marmot parameter that cannot be used: misspelt, out of range, or not of its type. Carries the parameter's
 * name and the value given, so a caller (the sidecar's command line) can name its own flag without parsing text.
 */
public final class ConfigException extends SQLException {
    private static final long serialVersionUID = 1L;
    /** SQLState for an invalid parameter value. */
    public static final String INVALID = "22023";

    private final String key;
    private final String value;
    private final String expected;

    /** @param expected what the parameter accepts, in words; empty when the parameter itself is unknown */
    public ConfigException(String message, String key, String value, String expected) {
        super(message, INVALID);
        this.key = key;
        this.value = value;
        this.expected = expected;
    }

    /** The parameter's name as given (for an unknown one) or as documented, e.g. {@code node-id}. */
    public String key() {
        return key;
    }

    /** The value given. */
    public String value() {
        return value;
    }

    /** What the parameter accepts ("an integer from 1 to 5"), empty for an unknown parameter. */
    public String expected() {
        return expected;
    }
}
