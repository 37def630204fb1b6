package io.marmot.jdbc;

import io.marmot.schema.Identifiers;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query that only lists the names of the tables (or views) straight from the catalogue — {@code SELECT tbl_name
 * FROM "main".sqlite_master WHERE type='table'}, the way Flyway decides whether a schema is empty — is answered as
 * {@code DatabaseMetaData.getTables} answers: without the engine's own tables. Any other query of
 * {@code sqlite_master} sees everything, the engine's tables and triggers included.
 */
final class TableListing {
    private static final Pattern LISTING = Pattern.compile(
            "\\s*SELECT\\s+(tbl_name|name)\\s+FROM\\s+((?:\"[^\"]+\"|\\w+)\\s*\\.\\s*)?(sqlite_master|sqlite_schema)"
                    + "\\s+WHERE\\s+type\\s*=\\s*'(table|view)'\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final String NOT_INTERNAL = " AND name NOT LIKE '"
            + Identifiers.INTERNAL_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\'";

    private TableListing() {
    }

    /** The query as it is, or, when it lists table names, the same listing without the engine's tables. */
    static String withoutEngineTables(String sql) {
        if (sql == null || sql.length() > 200 || !containsIgnoreCase(sql, "sqlite_")) {
            return sql;
        }
        Matcher m = LISTING.matcher(sql);
        if (!m.matches()) {
            return sql;
        }
        String schema = m.group(2) == null ? "" : m.group(2);
        return "SELECT " + m.group(1) + " FROM " + schema + m.group(3) + " WHERE type = '" + m.group(4) + "'"
                + NOT_INTERNAL;
    }

    private static boolean containsIgnoreCase(String s, String part) {
        for (int i = 0; i + part.length() <= s.length(); i++) {
            if (s.regionMatches(true, i, part, 0, part.length())) {
                return true;
            }
        }
        return false;
    }
}
