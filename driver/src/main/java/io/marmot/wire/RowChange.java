package io.marmot.wire;

/**
 * One row change as it travels between nodes.
 *
 * @param version the change's clock value (with {@link ChangeBatch#origin()} it orders writes of one row)
 * @param op {@link #INSERT}, {@link #UPDATE} or {@link #DELETE}
 * @param rowid the rowid for tables without a declared key, else null
 * @param values one per column of {@code table} for inserts and updates (an update's unchanged columns are null);
 *     only the key columns (in {@link TableShape#keyIndexes()} order) for deletes. Each value is null, Long,
 *     Double, String or byte[].
 * @param changed for updates, the indexes of the columns the update changed, ascending (never key columns); null:
 *     every column (inserts, and updates from nodes of wire format 1)
 */
public record RowChange(long version, TableShape table, int op, Object rowid, Object[] values, int[] changed) {
    public static final int INSERT = 1;
    public static final int UPDATE = 2;
    public static final int DELETE = 3;

    /** A change of every column (inserts, deletes, and whole-row updates). */
    public RowChange(long version, TableShape table, int op, Object rowid, Object[] values) {
        this(version, table, op, rowid, values, null);
    }

    public boolean isDelete() {
        return op == DELETE;
    }

    public boolean isUpdate() {
        return op == UPDATE;
    }

    /** The columns this change writes: for an update the changed ones (never key columns), else every column. */
    public int[] writtenColumns() {
        if (changed != null) {
            return changed;
        }
        if (isDelete()) {
            return new int[0];
        }
        int n = table.columns().size();
        int[] out = new int[n];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (!isUpdate() || !table.isKey(i)) {
                out[j++] = i;
            }
        }
        return java.util.Arrays.copyOf(out, j);
    }

    /** The values that identify the row: the rowid, or the key columns. */
    public Object[] key() {
        if (table.usesRowid()) {
            return new Object[] {rowid};
        }
        if (isDelete()) {
            return values;
        }
        int[] idx = table.keyIndexes();
        Object[] key = new Object[idx.length];
        for (int i = 0; i < idx.length; i++) {
            key[i] = values[idx[i]];
        }
        return key;
    }
}
