package io.marmot.snapshot;

import io.marmot.clock.RowKey;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.Function;

/**
 * {@code marmot_row_key(key columns...)}: the bytes {@link RowKey} indexes a row's version by, computed inside SQLite,
 * so a merge can join a table's rows with their states in {@code __marmot_versions}.
 */
final class RowKeyFunction extends Function {
    static final String NAME = "marmot_row_key";
    // SQLite's fundamental datatype codes (sqlite3_value_type)
    private static final int INTEGER = 1;
    private static final int FLOAT = 2;
    private static final int TEXT = 3;
    private static final int BLOB = 4;

    private RowKeyFunction() {
    }

    /**
     * SQL for the key bytes of a row whose key is {@code keyExpressions}. A single integer (an {@code INTEGER PRIMARY
     * KEY}, a rowid: the common case) is encoded by SQLite itself, as {@link RowKey} does it (tag 1, then the value
     * with its sign bit flipped, big-endian): a call into Java per row costs more than the rest of a merge's work.
     */
    static String sql(java.util.List<String> keyExpressions) {
        String call = NAME + "(" + String.join(", ", keyExpressions) + ")";
        if (keyExpressions.size() != 1) {
            return call;
        }
        String k = keyExpressions.get(0);
        return "(CASE typeof(" + k + ") WHEN 'integer' THEN unhex('01' || printf('%016x', CASE WHEN " + k + " >= 0 THEN "
                + k + " + (-9223372036854775807 - 1) ELSE " + k + " + 9223372036854775807 + 1 END)) ELSE " + call + " END)";
    }

    static void register(Connection c) throws SQLException {
        Function.create(c, NAME, new RowKeyFunction(), Function.FLAG_DETERMINISTIC);
    }

    @Override
    protected void xFunc() throws SQLException {
        Object[] key = new Object[args()];
        for (int i = 0; i < key.length; i++) {
            key[i] = switch (value_type(i)) {
                case INTEGER -> value_long(i);
                case FLOAT -> value_double(i);
                case TEXT -> value_text(i);
                case BLOB -> value_blob(i);
                default -> null;
            };
        }
        result(RowKey.of(key));
    }
}
