package io.marmot.merge;

import static io.marmot.merge.SqlValues.bind;

import io.marmot.sqlite.ManyRows;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The statements that write many rows of one table (with a declared key, no key value NULL) at once, for the bulk
 * paths of the applier ({@link BulkInserts}, {@link BulkChanges}): whole rows upserted, the same columns set, rows
 * deleted by key. Each costs its statement's fixed price once for many rows (see {@link ManyRows}).
 */
final class TableBulk implements AutoCloseable {
    private static final int MAX_COLUMN_SETS = 16;
    private final Connection c;
    private final RowSql sql;
    private final int columnCount;
    private ManyRows upserts;
    private ManyRows deletes;
    private final Map<List<String>, ManyRows> updates = new HashMap<>();

    TableBulk(Connection c, RowSql sql, int columnCount) {
        this.c = c;
        this.sql = sql;
        this.columnCount = columnCount;
    }

    /** {@link TableWriter#upsert(RowChange)} of many rows. */
    void upsertAll(List<RowChange> rows) throws SQLException {
        if (upserts == null) {
            upserts = new ManyRows(c, columnCount, sql::upsertRows);
        }
        for (int from = 0; from < rows.size();) {
            int n = upserts.chunk(rows.size() - from);
            PreparedStatement ps = upserts.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                for (Object v : rows.get(i).values()) {
                    bind(ps, p++, v);
                }
            }
            ps.executeUpdate();
            from += n;
        }
    }

    /**
     * Sets the local columns {@code names} of the rows with {@code keys} to {@code values} (one array per row, in the
     * order of names); returns how many rows were changed.
     */
    int updateAll(List<String> names, List<Object[]> keys, List<Object[]> values) throws SQLException {
        ManyRows m = updates.get(names);
        if (m == null) {
            if (updates.size() >= MAX_COLUMN_SETS) {
                close(); // statements of column sets seen long ago: prepared again when met again
            }
            List<String> set = List.copyOf(names);
            m = new ManyRows(c, sql.keyCount() + set.size(), rows -> sql.updateRows(set, rows));
            updates.put(set, m);
        }
        int changed = 0;
        for (int from = 0; from < keys.size();) {
            int n = m.chunk(keys.size() - from);
            PreparedStatement ps = m.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                for (Object k : keys.get(i)) {
                    bind(ps, p++, k);
                }
                for (Object v : values.get(i)) {
                    bind(ps, p++, v);
                }
            }
            changed += ps.executeUpdate();
            from += n;
        }
        return changed;
    }

    /** Deletes the rows with {@code keys}. */
    void deleteAll(List<Object[]> keys) throws SQLException {
        if (deletes == null) {
            deletes = new ManyRows(c, sql.keyCount(), sql::deleteRows);
        }
        for (int from = 0; from < keys.size();) {
            int n = deletes.chunk(keys.size() - from);
            PreparedStatement ps = deletes.statement(n);
            int p = 1;
            for (int i = from; i < from + n; i++) {
                for (Object k : keys.get(i)) {
                    bind(ps, p++, k);
                }
            }
            ps.executeUpdate();
            from += n;
        }
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (ManyRows m : new ManyRows[] {upserts, deletes}) {
            first = closed(m, first);
        }
        upserts = null;
        deletes = null;
        for (ManyRows m : updates.values()) {
            first = closed(m, first);
        }
        updates.clear();
        if (first != null) {
            throw first;
        }
    }

    private static SQLException closed(ManyRows m, SQLException first) {
        try {
            if (m != null) {
                m.close();
            }
        } catch (SQLException e) {
            return first == null ? e : first;
        }
        return first;
    }
}
