package io.marmot.merge;

import io.marmot.capture.LoggedChanges;
import io.marmot.schema.TableInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The defaults of the local columns a message's shape lacks (columns added after the sender wrote the row, or
 * dropped on the sender only). An insert written under such an older shape gives those columns their default, as
 * {@code ALTER TABLE ... ADD COLUMN} gave the sender's own row: so the row is the same on every node, whether it was
 * new here or replaced an existing one. The defaults are the local schema's own expressions (constants, since
 * {@code ADD COLUMN} allows no other), evaluated once per writer.
 */
final class ColumnDefaults {
    private ColumnDefaults() {
    }

    /** Local column name to its default value (NULL when it declares none), for the columns not in {@code columns}. */
    static Map<String, Object> missing(Connection c, TableInfo local, List<String> columns) throws SQLException {
        if (columns.size() >= local.columns().size()) {
            return Collections.emptyMap();
        }
        Map<String, String> expressions = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, dflt_value FROM pragma_table_xinfo(?, 'main')"
                + " WHERE hidden = 0")) {
            ps.setString(1, local.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expressions.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (TableInfo.Column col : local.columns()) {
            if (columns.stream().anyMatch(n -> n.equalsIgnoreCase(col.name())) || col.key()
                    || !expressions.containsKey(col.name())) {
                continue;
            }
            String expression = expressions.get(col.name());
            out.put(col.name(), expression == null ? null : evaluate(c, expression));
        }
        return out;
    }

    // The expression is the local schema's, which SQLite parsed when the column was declared: not message content.
    private static Object evaluate(Connection c, String expression) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + expression)) {
            return rs.next() ? LoggedChanges.value(rs, 1) : null;
        }
    }
}
