package io.marmot.schema;

import java.util.List;

/**
 * The replicated shape of one user table.
 *
 * @param columns the stored columns in declaration order (generated columns are left out: peers compute them)
 * @param keyColumns the primary key in key order; empty for a table without a declared key
 * @param rowidAlias the name that reaches the rowid ({@code rowid}, {@code _rowid_} or {@code oid}) when
 *     {@code keyColumns} is empty, else null
 */
public record TableInfo(String name, List<Column> columns, List<String> keyColumns, String rowidAlias) {
    public TableInfo {
        columns = List.copyOf(columns);
        keyColumns = List.copyOf(keyColumns);
    }

    public boolean usesRowid() {
        return keyColumns.isEmpty();
    }

    public int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equalsIgnoreCase(column)) {
                return i;
            }
        }
        return -1;
    }

    /** @param declaredType as written in CREATE TABLE, empty when none */
    public record Column(String name, String declaredType, boolean key) {
    }
}
