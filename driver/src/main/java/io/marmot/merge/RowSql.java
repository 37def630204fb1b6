package io.marmot.merge;

import static io.marmot.schema.Identifiers.quote;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The statements that write one local table's rows as a message's shape lays them out: the column order of the
 * message, the key by its indexes, or the rowid. Only names already checked against the local schema come in;
 * values are always parameters.
 */
final class RowSql {
    private final String table;
    private final String[] columns;
    private final int[] keyIndexes;
    private final int[] valueIndexes;
    private final String rowid;

    /** {@code rowid}: the rowid alias for a table keyed by rowid, else null (the key is {@code keyIndexes}). */
    RowSql(String table, String[] columns, int[] keyIndexes, String rowid) {
        this.table = table;
        this.columns = columns;
        this.keyIndexes = keyIndexes;
        this.rowid = rowid;
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            final int col = i;
            if (rowid != null || Arrays.stream(keyIndexes).noneMatch(k -> k == col)) {
                values.add(i);
            }
        }
        this.valueIndexes = values.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The message's columns that are not the key (with a rowid, all of them). */
    int[] valueIndexes() {
        return valueIndexes;
    }

    boolean usesRowid() {
        return rowid != null;
    }

    /** How many values a key has. */
    int keyCount() {
        return rowid != null ? 1 : keyIndexes.length;
    }

    boolean isKey(int index) {
        if (rowid != null) {
            return false;
        }
        for (int k : keyIndexes) { // asked for every column of every change: no stream
            if (k == index) {
                return true;
            }
        }
        return false;
    }

    /** Sets every value column of one row; null when there is none (the key is the whole row). */
    String update() {
        if (valueIndexes.length == 0) {
            return null;
        }
        StringBuilder set = new StringBuilder();
        for (int i : valueIndexes) {
            set.append(set.length() == 0 ? "" : ", ").append(quote(columns[i])).append(" = ?");
        }
        return "UPDATE " + quote(table) + " SET " + set + " WHERE " + where();
    }

    /** Inserts a row (the rowid first, if any); a row that is all key is inserted once. */
    String insert() {
        return plainInsert() + (valueIndexes.length == 0 ? " ON CONFLICT DO NOTHING" : "");
    }

    /**
     * One statement for tables with a declared key; null for rowid tables. The conflict target is that key only, so
     * a clash on another UNIQUE constraint still fails (and is settled or parks the message) instead of updating
     * another row.
     */
    String upsert() {
        if (rowid != null) {
            return null;
        }
        StringBuilder target = new StringBuilder();
        StringBuilder assign = new StringBuilder();
        for (int k : keyIndexes) {
            target.append(target.length() == 0 ? "" : ", ").append(quote(columns[k]));
        }
        for (int i : valueIndexes) {
            assign.append(assign.length() == 0 ? "" : ", ").append(quote(columns[i])).append(" = excluded.")
                    .append(quote(columns[i]));
        }
        return plainInsert() + " ON CONFLICT (" + target + ") DO "
                + (valueIndexes.length == 0 ? "NOTHING" : "UPDATE SET " + assign);
    }

    /** {@link #upsert} of {@code rows} rows in one statement (a table with a declared key). */
    String upsertRows(int rows) {
        String one = upsert();
        int values = one.indexOf(" VALUES (") + " VALUES ".length();
        int end = one.indexOf(')', values) + 1;
        return one.substring(0, values) + io.marmot.sqlite.ManyRows.tuples(one.substring(values, end), rows)
                + one.substring(end);
    }

    /**
     * Sets the given local columns of {@code rows} rows, each bound as its key values then the columns' values, in
     * one statement (a table with a declared key).
     */
    String updateRows(List<String> names, int rows) {
        StringBuilder set = new StringBuilder();
        int column = keyIndexes.length;
        for (String n : names) {
            set.append(set.length() == 0 ? "" : ", ").append(quote(n)).append(" = __marmot_v.column").append(++column);
        }
        StringBuilder match = new StringBuilder();
        for (int i = 0; i < keyIndexes.length; i++) {
            match.append(i == 0 ? "" : " AND ").append(quote(table)).append('.').append(quote(columns[keyIndexes[i]]))
                    .append(" = __marmot_v.column").append(i + 1);
        }
        String tuple = "(?" + ", ?".repeat(keyIndexes.length + names.size() - 1) + ")";
        return "UPDATE " + quote(table) + " SET " + set + " FROM (VALUES " + io.marmot.sqlite.ManyRows.tuples(tuple, rows)
                + ") AS __marmot_v WHERE " + match;
    }

    /** Deletes {@code rows} rows by their key values (none NULL), in one statement (a table with a declared key). */
    String deleteRows(int rows) {
        StringBuilder keys = new StringBuilder();
        for (int k : keyIndexes) {
            keys.append(keys.length() == 0 ? "" : ", ").append(quote(columns[k]));
        }
        String tuple = "(?" + ", ?".repeat(keyIndexes.length - 1) + ")";
        return "DELETE FROM " + quote(table) + " WHERE (" + keys + ") IN (VALUES "
                + io.marmot.sqlite.ManyRows.tuples(tuple, rows) + ")";
    }

    String delete() {
        return "DELETE FROM " + quote(table) + " WHERE " + where();
    }

    /** Sets the given local columns of one row. */
    String update(List<String> names) {
        StringBuilder set = new StringBuilder();
        for (String n : names) {
            set.append(set.length() == 0 ? "" : ", ").append(quote(n)).append(" = ?");
        }
        return "UPDATE " + quote(table) + " SET " + set + " WHERE " + where();
    }

    /** Reads the given local columns of one row, after a constant 1 so that a row without them is still seen. */
    String read(List<String> names) {
        StringBuilder cols = new StringBuilder("1");
        for (String n : names) {
            cols.append(", ").append(quote(n));
        }
        return "SELECT " + cols + " FROM " + quote(table) + " WHERE " + where();
    }

    /** The key of a row holding the given values, other than the row whose key is bound after them. */
    String holderOf(List<String> names) {
        StringBuilder keyCols = new StringBuilder();
        if (rowid != null) {
            keyCols.append(rowid);
        } else {
            for (int k : keyIndexes) {
                keyCols.append(keyCols.length() == 0 ? "" : ", ").append(quote(columns[k]));
            }
        }
        StringBuilder match = new StringBuilder();
        for (String n : names) {
            match.append(match.length() == 0 ? "" : " AND ").append(quote(n)).append(" = ?");
        }
        return "SELECT " + keyCols + " FROM " + quote(table) + " WHERE " + match + " AND NOT (" + where() + ")";
    }

    /** {@code IS}, not {@code =}: a key column may hold NULL in SQLite, and such a row must still be found. */
    private String where() {
        if (rowid != null) {
            return rowid + " = ?";
        }
        StringBuilder w = new StringBuilder();
        for (int k : keyIndexes) {
            w.append(w.length() == 0 ? "" : " AND ").append(quote(columns[k])).append(" IS ?");
        }
        return w.toString();
    }

    private String plainInsert() {
        StringBuilder cols = new StringBuilder(rowid == null ? "" : rowid);
        StringBuilder marks = new StringBuilder(rowid == null ? "" : "?");
        for (String col : columns) {
            cols.append(cols.length() == 0 ? "" : ", ").append(quote(col));
            marks.append(marks.length() == 0 ? "?" : ", ?");
        }
        return "INSERT INTO " + quote(table) + " (" + cols + ") VALUES (" + marks + ")";
    }
}
