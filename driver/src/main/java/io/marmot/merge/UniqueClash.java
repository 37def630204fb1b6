package io.marmot.merge;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A write refused because another row holds the same value in a {@code UNIQUE} column (not the key): the columns,
 * as SQLite names them in its message ({@code UNIQUE constraint failed: t.a, t.b}). Expression indexes name no
 * column and are not recognised: such a clash parks the transaction.
 */
record UniqueClash(List<String> columns) {
    private static final Pattern MESSAGE = Pattern.compile("UNIQUE constraint failed: ([^)\\]]+)");

    /** The clash {@code e} reports on {@code table}, or null when it is not one. */
    static UniqueClash of(SQLException e, String table) {
        if ((e.getErrorCode() & 0xff) != 19 || e.getMessage() == null) {
            return null;
        }
        Matcher m = MESSAGE.matcher(e.getMessage());
        if (!m.find()) {
            return null;
        }
        String prefix = table.toLowerCase(Locale.ROOT) + ".";
        List<String> columns = new ArrayList<>();
        for (String part : m.group(1).split(", ")) {
            String p = part.trim();
            if (!p.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return null; // "index 'name'" (an expression index), or another table's
            }
            columns.add(p.substring(prefix.length()));
        }
        return columns.isEmpty() ? null : new UniqueClash(List.copyOf(columns));
    }
}
