package io.marmot.merge;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/** Binding the values a message carries: only SQLite's own storage classes, so nothing else reaches a statement. */
public final class SqlValues {
    private SqlValues() {
    }

    public static void bind(PreparedStatement ps, int index, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.NULL);
        } else if (v instanceof Long n) {
            ps.setLong(index, n);
        } else if (v instanceof Double d) {
            ps.setDouble(index, d);
        } else if (v instanceof String s) {
            ps.setString(index, s);
        } else if (v instanceof byte[] b) {
            ps.setBytes(index, b);
        } else {
            throw new SQLException("not a SQLite value: " + v.getClass().getName());
        }
    }
}
