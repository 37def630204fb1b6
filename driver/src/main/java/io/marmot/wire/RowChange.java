package io.marmot.wire;

/**
 * One row change as it travels between nodes.
 *
 * @param version the change's clock value (with {@link ChangeBatch#origin()} it orders writes of one row)
 * @param op {@link #INSERT}, {@link #UPDATE} or {@link #DELETE}
 * @param rowid the rowid for tables without a declared key, else null
 * @param values every column of {@code table} for inserts and updates; only the key columns (in
 *     {@link TableShape#keyIndexes()} order) for deletes. Each value is null, Long, Double, String or byte[].
 */
public record RowChange(long version, TableShape table, int op, Object rowid, Object[] values) {
    public static final int INSERT = 1;
    public static final int UPDATE = 2;
    public static final int DELETE = 3;

    public boolean isDelete() {
        return op == DELETE;
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
