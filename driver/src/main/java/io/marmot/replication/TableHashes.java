package io.marmot.replication;

import io.marmot.capture.LoggedChanges;
import io.marmot.clock.RowKey;
import io.marmot.schema.Identifiers;
import io.marmot.schema.TableInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One table's rows, hashed per key range: what two nodes exchange to narrow a difference down before they exchange
 * rows. A table keyed by an integer (its rowid, or one integer primary key) is cut into ranges of
 * {@value #RANGE_WIDTH} consecutive keys, read with an index seek, so a range can be hashed again alone; any other
 * key is hashed into one of {@value #HASHED_RANGES} ranges. Each range holds its row count and the sum of its rows'
 * hashes ({@link Digest#mix} of the row's key and values with their storage classes): sums, so the order rows are
 * read in does not matter and the table's hash is the sum of its ranges'.
 */
final class TableHashes {
    static final int RANGE_SHIFT = 10;
    static final int RANGE_WIDTH = 1 << RANGE_SHIFT;
    static final int HASHED_RANGES = 4096;
    /** The range of integer-keyed rows whose key is no integer (a text value in an INTEGER column). */
    static final long NOT_INTEGER = Long.MIN_VALUE;

    /** One row as ranges see it. */
    record Row(byte[] key, Object[] keyValues, long hash, Object[] values) {
    }

    private final TableInfo info;
    private final String shape;
    private final List<String> columns;
    private final boolean byInteger;
    private final String keyExpr;
    private final int[] keyPositions;
    private final TreeMap<Long, long[]> ranges = new TreeMap<>();
    /** Where the sweep over every range goes on (integer keys). */
    private long sweepCursor = FIRST;
    private long rowCount;
    private long hashSum;
    private long rowsRead;
    static final long FIRST = Long.MIN_VALUE >> RANGE_SHIFT;
    static final long LAST = Long.MAX_VALUE >> RANGE_SHIFT;

    private TableHashes(TableInfo info) {
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

    /** Reads the whole table. */
    static TableHashes scan(Connection c, TableInfo info) throws SQLException {
        TableHashes h = new TableHashes(info);
        try (PreparedStatement ps = c.prepareStatement(h.select(""))) {
            h.add(ps);
        }
        return h;
    }

    String table() {
        return info.name();
    }

    TableInfo info() {
        return info;
    }

    /** The column names, lower-cased and sorted, then the key columns: tables of equal shape compare. */
    String shape() {
        return shape;
    }

    /** The columns in the order values are hashed and exchanged (sorted by name). */
    List<String> columns() {
        return columns;
    }

    boolean byInteger() {
        return byInteger;
    }

    long rows() {
        return rowCount;
    }

    long hash() {
        return hashSum;
    }

    /** Rows read from the table so far (the work done). */
    long rowsRead() {
        return rowsRead;
    }

    private void drop(Map<Long, long[]> gone) {
        for (long[] r : gone.values()) {
            rowCount -= r[0];
            hashSum -= r[1];
        }
        gone.clear();
    }

    /** Every non-empty range: id to {count, sum}, ordered by id (a copy). */
    TreeMap<Long, long[]> ranges() {
        TreeMap<Long, long[]> out = new TreeMap<>();
        ranges.forEach((id, r) -> out.put(id, r.clone()));
        return out;
    }

    /** The range a key falls in. */
    long rangeOf(Object[] keyValues, byte[] key) {
        if (byInteger) {
            return keyValues[0] instanceof Long n ? n >> RANGE_SHIFT : NOT_INTEGER;
        }
        return Digest.mix(key) & (HASHED_RANGES - 1);
    }

    /**
     * Hashes again the ranges whose keys changed ({@link io.marmot.clock.ChangedKeys}); returns the rows read. A table
     * keyed otherwise than by an integer is read whole: no index reaches a hashed range.
     */
    long rehash(Connection c, io.marmot.clock.ChangedKeys.Table changed) throws SQLException {
        if (!byInteger || changed.all()) {
            return rehashAll(c);
        }
        java.util.Set<Long> ids = new java.util.TreeSet<>(changed.integerRanges());
        if (!changed.otherKeys().isEmpty()) {
            ids.add(NOT_INTEGER);
        }
        long before = rowsRead;
        rehash(c, ids);
        return rowsRead - before;
    }

    private long rehashAll(Connection c) throws SQLException {
        drop(ranges);
        long before = rowsRead;
        try (PreparedStatement ps = c.prepareStatement(select(""))) {
            add(ps);
        }
        return rowsRead - before;
    }

    /**
     * Hashes again the next ranges of the sweep, about {@code budget} rows: over rounds the sweep reads every key
     * (also where no row was known), so a write that changed no version (triggers off) is found. Returns the rows
     * read and whether the sweep came round (the whole table was read since it last did).
     */
    long[] sweep(Connection c, long budget) throws SQLException {
        if (!byInteger) {
            return new long[] {rehashAll(c), 1};
        }
        long lo = sweepCursor;
        long n = 0;
        long hi = LAST;
        boolean end = true;
        for (Map.Entry<Long, long[]> e : ranges.tailMap(lo, true).entrySet()) {
            n += e.getValue()[0];
            if (n >= budget) {
                hi = e.getKey();
                end = false;
                break;
            }
        }
        drop(ranges.subMap(lo, true, hi, true));
        long before = rowsRead;
        try (PreparedStatement ps = c.prepareStatement(select(" WHERE " + keyExpr + " BETWEEN ? AND ?"))) {
            ps.setLong(1, lo << RANGE_SHIFT);
            ps.setLong(2, hi == LAST ? Long.MAX_VALUE : (hi << RANGE_SHIFT) + RANGE_WIDTH - 1);
            add(ps);
        }
        long read = rowsRead - before;
        if (end) {
            rehash(c, List.of(NOT_INTEGER));
            sweepCursor = FIRST;
        } else {
            sweepCursor = hi + 1;
        }
        return new long[] {Math.max(read, 0), end ? 1 : 0};
    }

    /** Hashes the given ranges again from the table. */
    void rehash(Connection c, Collection<Long> ids) throws SQLException {
        if (!byInteger) {
            rehashAll(c);
            return;
        }
        for (long id : ids) {
            long[] gone = ranges.remove(id);
            if (gone != null) {
                rowCount -= gone[0];
                hashSum -= gone[1];
            }
            try (PreparedStatement ps = c.prepareStatement(rangeSelect(id))) {
                bindRange(ps, id);
                add(ps);
            }
        }
    }

    /** The rows of the given ranges, read from the table now. */
    List<Row> rowsIn(Connection c, Collection<Long> ids) throws SQLException {
        List<Row> out = new ArrayList<>();
        if (!byInteger) {
            java.util.Set<Long> wanted = new java.util.HashSet<>(ids);
            try (PreparedStatement ps = c.prepareStatement(select(""))) {
                read(ps, row -> {
                    if (wanted.contains(rangeOf(row.keyValues(), row.key()))) {
                        out.add(row);
                    }
                });
            }
            return out;
        }
        for (long id : ids) {
            try (PreparedStatement ps = c.prepareStatement(rangeSelect(id))) {
                bindRange(ps, id);
                read(ps, out::add);
            }
        }
        return out;
    }

    /** The row under a key, or null when the table has none. */
    Row row(Connection c, Object[] keyValues) throws SQLException {
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
                RowWriter.bind(ps, i + 1, keyValues[i]);
            }
            Row[] found = new Row[1];
            read(ps, r -> found[0] = r);
            return found[0];
        }
    }

    private String select(String where) {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(Identifiers.quote(columns.get(i)));
        }
        if (info.usesRowid()) {
            sb.append(columns.isEmpty() ? "" : ", ").append(info.rowidAlias()); // the rowid is the key
        }
        return sb.append(" FROM ").append(Identifiers.quote(info.name())).append(where).toString();
    }

    private String rangeSelect(long id) {
        return select(id == NOT_INTEGER ? " WHERE typeof(" + keyExpr + ") <> 'integer'"
                : " WHERE " + keyExpr + " BETWEEN ? AND ?");
    }

    private static void bindRange(PreparedStatement ps, long id) throws SQLException {
        if (id != NOT_INTEGER) {
            ps.setLong(1, id << RANGE_SHIFT);
            ps.setLong(2, (id << RANGE_SHIFT) + RANGE_WIDTH - 1);
        }
    }

    private void add(PreparedStatement ps) throws SQLException {
        read(ps, row -> {
            long[] r = ranges.computeIfAbsent(rangeOf(row.keyValues(), row.key()), x -> new long[2]);
            r[0]++;
            r[1] += row.hash();
            rowCount++;
            hashSum += row.hash();
            rowsRead++;
        });
    }

    private interface RowSink {
        void accept(Row row) throws SQLException;
    }

    private void read(PreparedStatement ps, RowSink sink) throws SQLException {
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
                sink.accept(new Row(RowKey.of(keyValues), keyValues, Digest.mix(RowKey.of(values)), values));
            }
        }
    }
}
