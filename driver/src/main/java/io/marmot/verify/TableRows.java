package io.marmot.verify;

import static io.marmot.verify.TableHashes.NOT_INTEGER;
import static io.marmot.verify.TableHashes.RANGE_SHIFT;
import static io.marmot.verify.TableHashes.RANGE_WIDTH;

import io.marmot.capture.LoggedChanges;
import io.marmot.clock.RowKey;
import io.marmot.merge.SqlValues;
import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How verification reads one table's rows: its columns in the order values are hashed and exchanged (sorted by
 * name, so nodes whose columns were added in another order agree), the key of each row, and each row's hash.
 */
final class TableRows {
    private final TableInfo info;
    private final String shape;
    private final List<String> columns;
    private final boolean byInteger;
    private final String keyExpr;
    private final int[] keyPositions;

    /** Receives rows as they are read. */
    interface RowSink {
        void accept(TableHashes.Row row) throws SQLException;
    }

    TableRows(TableInfo info) {
        this.info = info;
        List<TableInfo.Column> sorted = new ArrayList<>(info.columns());
        sorted.sort(Comparator.comparing(col -> col.name().toLowerCase(Locale.ROOT)));
        this.columns = sorted.stream().map(TableInfo.Column::name).toList();
        this.shape = String.join(",", columns.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList()) + "|"
                + String.join(",", info.keyColumns()).toLowerCase(Locale.ROOT);
        if (info.usesRowid()) {
            keyPositions = new int[] {columns.size()};
            keyExpr = info.rowidAlias();
        } else {
            keyPositions = info.keyColumns().stream().mapToInt(k -> indexOf(columns, k)).toArray();
            keyExpr = Identifiers.quote(info.keyColumns().get(0));
        }
        this.byInteger = info.usesRowid() || (info.keyColumns().size() == 1
                && info.columns().get(info.columnIndex(info.keyColumns().get(0))).declaredType().toUpperCase(Locale.ROOT)
                        .contains("INT"));
    }

    private static int indexOf(List<String> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("key column " + name + " is not a column");
    }

    /** The column names, lower-cased and sorted, then the key columns: tables of equal shape compare. */
    String shape() {
        return shape;
    }

    List<String> columns() {
        return columns;
    }

    /** Keyed by one integer (its rowid or an integer primary key): ranges of consecutive keys, read by index. */
    boolean byInteger() {
        return byInteger;
    }

    /** The key as SQL (the rowid's alias, or the first key column). */
    String keyExpr() {
        return keyExpr;
    }

    /** The row under a key, or null when the table has none. */
    TableHashes.Row row(Connection c, Object[] keyValues) throws SQLException {
        StringBuilder where = new StringBuilder(" WHERE ");
        if (info.usesRowid()) {
            where.append(info.rowidAlias()).append(" = ?");
        } else {
            for (int i = 0; i < info.keyColumns().size(); i++) {
                where.append(i == 0 ? "" : " AND ").append(Identifiers.quote(info.keyColumns().get(i))).append(" IS ?");
            }
        }
        try (PreparedStatement ps = c.prepareStatement(select(where.toString()))) {
            for (int i = 0; i < keyValues.length; i++) {
                SqlValues.bind(ps, i + 1, keyValues[i]);
            }
            TableHashes.Row[] found = new TableHashes.Row[1];
            read(ps, r -> found[0] = r);
            return found[0];
        }
    }

    String select(String where) {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Identifiers.quote(columns.get(i)));
        }
        if (info.usesRowid()) {
            sb.append(columns.isEmpty() ? "" : ", ").append(info.rowidAlias()); // the rowid is the key
        }
        return sb.append(" FROM ").append(Identifiers.quote(info.name())).append(where).toString();
    }

    /** The rows of one integer range ({@link #bindRange} binds it), or of the keys that are no integer. */
    String rangeSelect(long id) {
        return select(id == NOT_INTEGER ? " WHERE typeof(" + keyExpr + ") <> 'integer'"
                : " WHERE " + keyExpr + " BETWEEN ? AND ?");
    }

    static void bindRange(PreparedStatement ps, long id) throws SQLException {
        if (id != NOT_INTEGER) {
            ps.setLong(1, id << RANGE_SHIFT);
            ps.setLong(2, (id << RANGE_SHIFT) + RANGE_WIDTH - 1);
        }
    }

    void read(PreparedStatement ps, RowSink sink) throws SQLException {
        int n = columns.size() + (info.usesRowid() ? 1 : 0);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Object[] values = new Object[n];
                for (int i = 0; i < n; i++) {
                    values[i] = LoggedChanges.value(rs, i + 1);
                }
                Object[] keyValues = new Object[keyPositions.length];
                for (int i = 0; i < keyPositions.length; i++) {
                    keyValues[i] = values[keyPositions[i]];
                }
                sink.accept(new TableHashes.Row(RowKey.of(keyValues), keyValues, Digest.mix(RowKey.of(values)), values));
            }
        }
    }
}
