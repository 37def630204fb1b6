package io.marmot.listen;

import io.marmot.wire.RowChange;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One row change of a {@link ChangeEvent}. Values are null, Long, Double, String or byte[] (SQLite's storage classes).
 * Its maps are built when first asked for (a listener that looks only at the tables pays for no maps).
 */
public final class ChangedRow {
    private final String table;
    private final Op op;
    private RowChange change;
    private Map<String, Object> key;
    private Map<String, Object> values;
    private Map<String, Object> oldValues;

    /** What happened to a row. */
    public enum Op {
        INSERT, UPDATE, DELETE
    }

    /**
     * @param table the table's name
     * @param op what happened to the row
     * @param key the values that identify the row: its primary key columns, or {@code rowid} for tables without one
     * @param values the new values of the columns written: every column for an insert, the changed ones for an
     *     update, none for a delete (by column name, in table order)
     */
    public ChangedRow(String table, Op op, Map<String, Object> key, Map<String, Object> values) {
        this.table = Objects.requireNonNull(table);
        this.op = Objects.requireNonNull(op);
        this.key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.oldValues = Map.of();
    }

    ChangedRow(RowChange change, Map<String, Object> before) {
        this.table = change.table().name();
        this.op = change.isDelete() ? Op.DELETE : change.isUpdate() ? Op.UPDATE : Op.INSERT;
        this.change = change;
        this.oldValues = before == null ? Map.of() : Collections.unmodifiableMap(before);
    }

    public String table() {
        return table;
    }

    public Op op() {
        return op;
    }

    /** The values that identify the row: its primary key columns, or {@code rowid} for tables without one. */
    public synchronized Map<String, Object> key() {
        if (key == null) {
            key = Collections.unmodifiableMap(ChangedRows.key(change));
        }
        return key;
    }

    /** The new values of the columns written: every column for an insert, the changed ones for an update, none for a delete. */
    public synchronized Map<String, Object> values() {
        if (values == null) {
            values = Collections.unmodifiableMap(ChangedRows.values(change));
        }
        return values;
    }

    /**
     * The row as it was here before an update or delete applied from a peer (every column, by name), while a
     * listener of this node whose {@link ChangeListener#wantsOldValues} is true is registered; empty when unknown (an
     * insert, this node's own commits, repairs, a row that was not here, or no listener asked: the applier does not
     * read the rows it writes).
     */
    public Map<String, Object> oldValues() {
        return oldValues;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangedRow r && r.table.equals(table) && r.op == op && r.key().equals(key())
                && r.values().equals(values());
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, op, key(), values());
    }

    @Override
    public String toString() {
        return "ChangedRow[table=" + table + ", op=" + op + ", key=" + key() + ", values=" + values() + "]";
    }
}
