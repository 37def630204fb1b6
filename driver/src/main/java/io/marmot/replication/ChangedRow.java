package io.marmot.replication;

import java.util.Map;

/**
 * One row change of a {@link ChangeEvent}. Values are null, Long, Double, String or byte[] (SQLite's storage classes).
 *
 * @param table the table's name
 * @param op what happened to the row
 * @param key the values that identify the row: its primary key columns, or {@code rowid} for tables without one
 * @param values the new values of the columns written: every column for an insert, the changed ones for an update,
 *     none for a delete (by column name, in table order)
 */
public record ChangedRow(String table, Op op, Map<String, Object> key, Map<String, Object> values) {
    public ChangedRow {
        key = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(key));
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    /** What happened to a row. */
    public enum Op {
        INSERT, UPDATE, DELETE
    }
}
