package io.marmot.schema;

/** Quoting for identifiers and literals that are built into SQL text; values are always bound instead. */
public final class Identifiers {
    /** Every table and trigger the engine creates starts with this; nothing of the user's may. */
    public static final String INTERNAL_PREFIX = "__marmot_";

    private Identifiers() {
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    public static String literal(String text) {
        return '\'' + text.replace("'", "''") + '\'';
    }

    public static boolean isInternal(String name) {
        return name != null && name.regionMatches(true, 0, INTERNAL_PREFIX, 0, INTERNAL_PREFIX.length());
    }
}
