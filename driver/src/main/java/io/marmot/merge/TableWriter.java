package io.marmot.merge;

import static io.marmot.merge.SqlValues.bind;

import io.marmot.capture.LoggedChanges;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the rows of one local table as one message shape lays them out, through statements prepared once. Upserts
 * are {@code INSERT ... ON CONFLICT (key) DO UPDATE} (UPDATE-then-INSERT for rowid tables), never INSERT OR
 * REPLACE, which deletes first and fires ON DELETE CASCADE.
 */
final class TableWriter {
    final String table;
    private final Connection c;
    private final TableInfo local;
    private final String[] columns;
    private final int[] keyIndexes;
    private final RowSql sql;
    private final PreparedStatement update;
    private final PreparedStatement insert;
    private final PreparedStatement upsert;
    private final PreparedStatement delete;
    private final StatementCache updates;
    private final StatementCache reads;
    private Map<String, Object> missingDefaults;
    private TableBulk bulk;

    /** {@code columns}: the local names of the message's columns, in its order. */
    TableWriter(Connection c, TableInfo local, String[] columns, int[] keyIndexes) throws SQLException {
        this.table = local.name();
        this.c = c;
        this.local = local;
        this.columns = columns;
        this.keyIndexes = keyIndexes;
        this.sql = new RowSql(table, columns, keyIndexes, local.usesRowid() ? local.rowidAlias() : null);
        this.update = sql.update() == null ? null : c.prepareStatement(sql.update());
        this.insert = c.prepareStatement(sql.insert());
        this.upsert = sql.upsert() == null ? null : c.prepareStatement(sql.upsert());
        this.delete = c.prepareStatement(sql.delete());
        this.updates = new StatementCache(c);
        this.reads = new StatementCache(c);
    }

    /** The local names of the message's columns. */
    List<String> columnNames() {
        return List.of(columns);
    }

    /**
     * The key of the row, other than {@code except}, that holds {@code values} (column to value; NULL never
     * matches, as in a UNIQUE index); null when none does.
     */
    Object[] holderOf(Map<String, Object> values, Object[] except) throws SQLException {
        List<String> names = localNames(values.keySet());
        if (names.size() != values.size() || values.containsValue(null)) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.holderOf(names))) {
            int p = 1;
            for (Object v : values.values()) {
                bind(ps, p++, v);
            }
            for (Object k : except) {
                bind(ps, p++, k);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Object[] key = new Object[sql.keyCount()];
                for (int i = 0; i < key.length; i++) {
                    key[i] = LoggedChanges.value(rs, i + 1);
                }
                return key;
            }
        }
    }

    void deleteKey(Object[] key) throws SQLException {
        bindAll(delete, 1, key);
        delete.executeUpdate();
    }

    /** Every column of an insert by its local name. */
    Map<String, Object> valuesByName(RowChange ch) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i++) {
            m.put(columns[i], ch.values()[i]);
        }
        return m;
    }

    /** The columns an update changed, by their local names. */
    Map<String, Object> changedByName(RowChange ch) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i : ch.writtenColumns()) {
            if (!sql.isKey(i)) {
                m.put(columns[i], ch.values()[i]);
            }
        }
        return m;
    }

    /**
     * Writes a whole row: the message's columns, then any other column of the local table among {@code values}; a
     * local column neither names takes its default (the message was written under an older shape of the table).
     */
    void upsert(RowChange ch, Map<String, Object> values) throws SQLException {
        Object[] v = new Object[columns.length];
        if (missingDefaults == null) {
            missingDefaults = ColumnDefaults.missing(c, local, List.of(columns));
        }
        Map<String, Object> others = new LinkedHashMap<>(missingDefaults);
        others.putAll(values);
        for (int i = 0; i < columns.length; i++) {
            v[i] = others.remove(columns[i]);
        }
        upsert(new RowChange(ch.version(), ch.table(), ch.op(), ch.rowid(), v));
        if (!others.isEmpty()) {
            update(ch.key(), others);
        }
    }

    /** Sets the given columns of the row with {@code key}; the number of rows changed (0: no such row). */
    int update(Object[] key, Map<String, Object> values) throws SQLException {
        List<String> names = localNames(values.keySet());
        if (names.isEmpty()) {
            return 1;
        }
        PreparedStatement ps = updates.get(names, sql::update);
        int p = 1;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (local.columnIndex(e.getKey()) >= 0) {
                bind(ps, p++, e.getValue());
            }
        }
        bindAll(ps, p, key);
        return ps.executeUpdate();
    }

    /** The row's values of {@code wanted} (columns gone from the local table are left out); null: no row. */
    Map<String, Object> read(Object[] key, List<String> wanted) throws SQLException {
        List<String> names = localNames(wanted);
        PreparedStatement ps = reads.get(names, sql::read);
        bindAll(ps, 1, key);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                m.put(names.get(i), LoggedChanges.value(rs, i + 2));
            }
            return m;
        }
    }

    /** The local spelling of each name the local table has: names stored in row states may be of dropped columns. */
    private List<String> localNames(Collection<String> names) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : names) {
            int i = local.columnIndex(n);
            if (i >= 0) {
                out.add(local.columns().get(i).name());
            }
        }
        return out;
    }

    void upsert(RowChange ch) throws SQLException {
        Object[] v = ch.values();
        if (upsert != null && !hasNullKey(ch)) {
            for (int i = 0; i < v.length; i++) {
                bind(upsert, i + 1, v[i]);
            }
            upsert.executeUpdate();
            return;
        }
        // Rowid tables, and keys holding NULL (which never conflict): update, else insert.
        if (update != null) {
            int p = 1;
            for (int i : sql.valueIndexes()) {
                bind(update, p++, v[i]);
            }
            bindAll(update, p, ch.key());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        int p = 1;
        if (sql.usesRowid()) {
            bind(insert, p++, ch.rowid());
        }
        bindAll(insert, p, v);
        insert.executeUpdate();
    }

    /** Whether {@link #upsertAll} may write the row: a declared key, none of it NULL (which never conflicts). */
    boolean upsertsInBulk(RowChange ch) {
        return upsert != null && !hasNullKey(ch);
    }

    /** The statements writing many of this table's rows at once. */
    TableBulk bulk() {
        if (bulk == null) {
            bulk = new TableBulk(c, sql, columns.length);
        }
        return bulk;
    }

    private boolean hasNullKey(RowChange ch) {
        for (int k : keyIndexes) {
            if (ch.values()[k] == null) {
                return true;
            }
        }
        return false;
    }

    void delete(RowChange ch) throws SQLException {
        deleteKey(ch.key());
    }

    private static void bindAll(PreparedStatement ps, int first, Object[] values) throws SQLException {
        int p = first;
        for (Object v : values) {
            bind(ps, p++, v);
        }
    }

    void close() throws SQLException {
        try (PreparedStatement a = update; PreparedStatement b = insert; PreparedStatement u = upsert;
                PreparedStatement d = delete) {
            try (StatementCache r = reads; TableBulk m = bulk) {
                updates.close();
            }
        }
    }
}
