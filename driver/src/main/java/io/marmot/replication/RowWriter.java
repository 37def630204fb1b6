package io.marmot.replication;

import static io.marmot.schema.Identifiers.quote;

import io.marmot.capture.LoggedChanges;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes received row changes into the user's tables. Every table and column name a message carries is
 * checked against the local schema and only the local spelling, quoted, reaches SQL; values are always bound.
 * Upserts are {@code INSERT ... ON CONFLICT (key) DO UPDATE} (UPDATE-then-INSERT for rowid tables), never
 * INSERT OR REPLACE, which deletes first and fires ON DELETE CASCADE.
 */
final class RowWriter implements AutoCloseable {
    private final Connection c;
    private final LoggedChanges schema;
    private final MarmotConfig config;
    private final Map<TableShape, Target> targets = new HashMap<>();
    private TableShape lastShape;
    private Target lastTarget;

    RowWriter(Connection c, LoggedChanges schema, MarmotConfig config) {
        this.c = c;
        this.schema = schema;
        this.config = config;
    }

    /** The local table a message's table maps to; null when this node does not replicate that table. */
    Target target(TableShape shape) throws RejectedChange, SQLException {
        if (shape == lastShape) {
            return lastTarget; // the changes of one message share their table's shape object
        }
        Target t = targets.get(shape);
        if (t == null && !targets.containsKey(shape)) {
            t = resolve(shape);
            targets.put(shape, t);
        }
        lastShape = shape;
        lastTarget = t;
        return t;
    }

    /** Forgets prepared statements; call when the schema changed or a transaction failed. */
    void reset() throws SQLException {
        SQLException first = null;
        for (Target t : targets.values()) {
            try {
                if (t != null) {
                    t.close();
                }
            } catch (SQLException e) {
                first = first == null ? e : first; // a statement a failure left broken: forgotten all the same
            }
        }
        targets.clear();
        lastShape = null;
        lastTarget = null;
        if (first != null) {
            throw first;
        }
    }

    private Target resolve(TableShape shape) throws RejectedChange, SQLException {
        String name = printable(shape.name());
        if (Identifiers.isInternal(shape.name()) || shape.name().toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
            throw new RejectedChange("message names the internal table '" + name + "'");
        }
        if (!config.replicates(shape.name())) {
            return null;
        }
        TableInfo local = schema.table(c, shape.name());
        if (local == null) {
            throw new RejectedChange("unknown table '" + name + "' (schemas differ between nodes)");
        }
        String[] columns = new String[shape.columns().size()];
        for (int i = 0; i < columns.length; i++) {
            int idx = local.columnIndex(shape.columns().get(i));
            if (idx < 0) {
                throw new RejectedChange("table '" + name + "' has no column '" + printable(shape.columns().get(i))
                        + "' here (schemas differ between nodes)");
            }
            columns[i] = local.columns().get(idx).name();
        }
        if (shape.usesRowid() != local.usesRowid()) {
            throw new RejectedChange("table '" + name + "' is keyed by " + (local.usesRowid() ? "rowid" : "primary key "
                    + local.keyColumns()) + " here but not in the message (schemas differ between nodes)");
        }
        List<String> keyNames = new ArrayList<>();
        for (int k : shape.keyIndexes()) {
            keyNames.add(columns[k]);
        }
        if (!local.usesRowid() && !keyNames.equals(local.keyColumns())) {
            throw new RejectedChange("table '" + name + "' has primary key " + local.keyColumns() + " here, the message "
                    + keyNames + " (schemas differ between nodes)");
        }
        return new Target(local, columns, shape.keyIndexes(), local.usesRowid() ? local.rowidAlias() : null);
    }

    @Override
    public void close() throws SQLException {
        reset();
    }

    /** A name from a message, safe to log: control characters cannot forge log lines. */
    static String printable(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 200));
        for (int i = 0; i < name.length() && sb.length() < 200; i++) {
            char ch = name.charAt(i);
            sb.append(Character.isISOControl(ch) ? '?' : ch);
        }
        return sb.toString();
    }

    /** Prepared statements for one table in one message shape. */
    final class Target {
        private static final int MAX_CACHED = 32;

        final String table;
        private final TableInfo local;
        private final String[] columns;
        private final int[] keyIndexes;
        private final int[] valueIndexes;
        private final String rowid;
        private final PreparedStatement update;
        private final PreparedStatement insert;
        private final PreparedStatement upsert;
        private final PreparedStatement delete;
        private final Map<List<String>, PreparedStatement> updates = new HashMap<>();
        private final Map<List<String>, PreparedStatement> reads = new HashMap<>();

        private Target(TableInfo local, String[] columns, int[] keyIndexes, String rowid) throws SQLException {
            String table = local.name();
            this.table = table;
            this.local = local;
            this.columns = columns;
            this.keyIndexes = keyIndexes;
            this.rowid = rowid;
            List<Integer> values = new ArrayList<>();
            for (int i = 0; i < columns.length; i++) {
                final int col = i;
                if (rowid != null || java.util.Arrays.stream(keyIndexes).noneMatch(k -> k == col)) {
                    values.add(i);
                }
            }
            this.valueIndexes = values.stream().mapToInt(Integer::intValue).toArray();
            String where = where(columns);
            StringBuilder set = new StringBuilder();
            for (int i : valueIndexes) {
                set.append(set.length() == 0 ? "" : ", ").append(quote(columns[i])).append(" = ?");
            }
            this.update = valueIndexes.length == 0 ? null
                    : c.prepareStatement("UPDATE " + quote(table) + " SET " + set + " WHERE " + where);
            StringBuilder cols = new StringBuilder(rowid == null ? "" : rowid);
            StringBuilder marks = new StringBuilder(rowid == null ? "" : "?");
            for (String col : columns) {
                cols.append(cols.length() == 0 ? "" : ", ").append(quote(col));
                marks.append(marks.length() == 0 ? "?" : ", ?");
            }
            String insertSql = "INSERT INTO " + quote(table) + " (" + cols + ") VALUES (" + marks + ")";
            this.insert = c.prepareStatement(insertSql + (valueIndexes.length == 0 ? " ON CONFLICT DO NOTHING" : ""));
            // One statement for tables with a declared key; the conflict target is that key only, so a clash
            // on another UNIQUE constraint still fails (and parks the message) instead of updating another row.
            StringBuilder target = new StringBuilder();
            StringBuilder assign = new StringBuilder();
            for (int k : keyIndexes) {
                target.append(target.length() == 0 ? "" : ", ").append(quote(columns[k]));
            }
            for (int i : valueIndexes) {
                assign.append(assign.length() == 0 ? "" : ", ").append(quote(columns[i])).append(" = excluded.")
                        .append(quote(columns[i]));
            }
            this.upsert = rowid != null ? null : c.prepareStatement(insertSql + " ON CONFLICT (" + target + ") DO "
                    + (valueIndexes.length == 0 ? "NOTHING" : "UPDATE SET " + assign));
            this.delete = c.prepareStatement("DELETE FROM " + quote(table) + " WHERE " + where);
        }

        private String where(String[] columns) {
            if (rowid != null) {
                return rowid + " = ?";
            }
            StringBuilder w = new StringBuilder();
            for (int k : keyIndexes) {
                w.append(w.length() == 0 ? "" : " AND ").append(quote(columns[k])).append(" IS ?");
            }
            return w.toString();
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
            StringBuilder keyCols = new StringBuilder();
            int keyCount = rowid != null ? 1 : keyIndexes.length;
            if (rowid != null) {
                keyCols.append(rowid);
            } else {
                for (int k : keyIndexes) {
                    keyCols.append(keyCols.length() == 0 ? "" : ", ").append(quote(columns[k]));
                }
            }
            StringBuilder where = new StringBuilder();
            for (String n : names) {
                where.append(where.length() == 0 ? "" : " AND ").append(quote(n)).append(" = ?");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT " + keyCols + " FROM " + quote(table) + " WHERE "
                    + where + " AND NOT (" + where(columns) + ")")) {
                int p = 1;
                for (Object v : values.values()) {
                    bind(ps, p++, v);
                }
                for (Object k : except) {
                    bind(ps, p++, k);
                }
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    Object[] key = new Object[keyCount];
                    for (int i = 0; i < keyCount; i++) {
                        key[i] = LoggedChanges.value(rs, i + 1);
                    }
                    return key;
                }
            }
        }

        void deleteKey(Object[] key) throws SQLException {
            int p = 1;
            for (Object k : key) {
                bind(delete, p++, k);
            }
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
                if (!isKey(i)) {
                    m.put(columns[i], ch.values()[i]);
                }
            }
            return m;
        }

        private boolean isKey(int index) {
            if (rowid != null) {
                return false;
            }
            for (int k : keyIndexes) {
                if (k == index) {
                    return true;
                }
            }
            return false;
        }

        /** Writes a whole row: the message's columns, then any other column of the local table among {@code values}. */
        void upsert(RowChange ch, Map<String, Object> values) throws SQLException {
            Object[] v = new Object[columns.length];
            Map<String, Object> others = new LinkedHashMap<>(values);
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
            PreparedStatement ps = cached(updates, names, () -> {
                StringBuilder set = new StringBuilder();
                for (String n : names) {
                    set.append(set.length() == 0 ? "" : ", ").append(quote(n)).append(" = ?");
                }
                return "UPDATE " + quote(table) + " SET " + set + " WHERE " + where(columns);
            });
            int p = 1;
            for (Map.Entry<String, Object> e : values.entrySet()) {
                if (local.columnIndex(e.getKey()) >= 0) {
                    bind(ps, p++, e.getValue());
                }
            }
            for (Object k : key) {
                bind(ps, p++, k);
            }
            return ps.executeUpdate();
        }

        /** The row's values of {@code wanted} (columns gone from the local table are left out); null: no row. */
        Map<String, Object> read(Object[] key, List<String> wanted) throws SQLException {
            List<String> names = localNames(wanted);
            PreparedStatement ps = cached(reads, names, () -> {
                StringBuilder cols = new StringBuilder("1");
                for (String n : names) {
                    cols.append(", ").append(quote(n));
                }
                return "SELECT " + cols + " FROM " + quote(table) + " WHERE " + where(columns);
            });
            int p = 1;
            for (Object k : key) {
                bind(ps, p++, k);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
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
        private List<String> localNames(java.util.Collection<String> names) {
            List<String> out = new ArrayList<>(names.size());
            for (String n : names) {
                int i = local.columnIndex(n);
                if (i >= 0) {
                    out.add(local.columns().get(i).name());
                }
            }
            return out;
        }

        private PreparedStatement cached(Map<List<String>, PreparedStatement> cache, List<String> names,
                java.util.function.Supplier<String> sql) throws SQLException {
            PreparedStatement ps = cache.get(names);
            if (ps == null) {
                if (cache.size() >= MAX_CACHED) {
                    closeAll(cache);
                }
                ps = c.prepareStatement(sql.get());
                cache.put(List.copyOf(names), ps);
            }
            return ps;
        }

        private void closeAll(Map<List<String>, PreparedStatement> cache) throws SQLException {
            SQLException first = null;
            for (PreparedStatement ps : cache.values()) {
                try {
                    ps.close();
                } catch (SQLException e) {
                    first = first == null ? e : first;
                }
            }
            cache.clear();
            if (first != null) {
                throw first;
            }
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
                for (int i : valueIndexes) {
                    bind(update, p++, v[i]);
                }
                p = bindKey(update, p, ch);
                if (update.executeUpdate() > 0) {
                    return;
                }
            }
            int p = 1;
            if (rowid != null) {
                bind(insert, p++, ch.rowid());
            }
            for (Object value : v) {
                bind(insert, p++, value);
            }
            insert.executeUpdate();
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
            bindKey(delete, 1, ch);
            delete.executeUpdate();
        }

        private int bindKey(PreparedStatement ps, int p, RowChange ch) throws SQLException {
            for (Object k : ch.key()) {
                bind(ps, p++, k);
            }
            return p;
        }

        void close() throws SQLException {
            try (PreparedStatement a = update; PreparedStatement b = insert; PreparedStatement u = upsert;
                    PreparedStatement d = delete) {
                closeAll(updates);
                closeAll(reads);
            }
        }
    }

    static void bind(PreparedStatement ps, int index, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(index, java.sql.Types.NULL);
        } else if (v instanceof Long n) {
            ps.setLong(index, n);
        } else if (v instanceof Double d) {
            ps.setDouble(index, d);
        } else if (v instanceof String s) {
            ps.setString(index, s);
        } else if (v instanceof byte[] b) {
            ps.setBytes(index, b);
        } else {
            throw new SQLException("not a SQLite value: " + v.getClass().getName());
        }
    }
}
