package io.marmot.verify;

import io.marmot.schema.TableInfo;
import io.marmot.wire.TableShape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
    private final TableRows reader;
    private final boolean byInteger;
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
        this.reader = new TableRows(info);
        this.byInteger = reader.byInteger();
    }

    /** Reads the whole table. */
    static TableHashes scan(Connection c, TableInfo info) throws SQLException {
        TableHashes h = new TableHashes(info);
        try (PreparedStatement ps = c.prepareStatement(h.reader.select(""))) {
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
        return reader.shape();
    }

    /** The columns in the order values are hashed and exchanged (sorted by name). */
    List<String> columns() {
        return reader.columns();
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
        try (PreparedStatement ps = c.prepareStatement(reader.select(""))) {
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
        String between = " WHERE " + reader.keyExpr() + " BETWEEN ? AND ?";
        try (PreparedStatement ps = c.prepareStatement(reader.select(between))) {
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
            try (PreparedStatement ps = c.prepareStatement(reader.rangeSelect(id))) {
                TableRows.bindRange(ps, id);
                add(ps);
            }
        }
    }

    /** The rows of the given ranges, read from the table now. */
    List<Row> rowsIn(Connection c, Collection<Long> ids) throws SQLException {
        List<Row> out = new ArrayList<>();
        if (!byInteger) {
            java.util.Set<Long> wanted = new java.util.HashSet<>(ids);
            try (PreparedStatement ps = c.prepareStatement(reader.select(""))) {
                reader.read(ps, row -> {
                    if (wanted.contains(rangeOf(row.keyValues(), row.key()))) {
                        out.add(row);
                    }
                });
            }
            return out;
        }
        for (long id : ids) {
            try (PreparedStatement ps = c.prepareStatement(reader.rangeSelect(id))) {
                TableRows.bindRange(ps, id);
                reader.read(ps, out::add);
            }
        }
        return out;
    }

    /** The row under a key, or null when the table has none. */
    Row row(Connection c, Object[] keyValues) throws SQLException {
        return reader.row(c, keyValues);
    }

    private void add(PreparedStatement ps) throws SQLException {
        reader.read(ps, row -> {
            long[] r = ranges.computeIfAbsent(rangeOf(row.keyValues(), row.key()), x -> new long[2]);
            r[0]++;
            r[1] += row.hash();
            rowCount++;
            hashSum += row.hash();
            rowsRead++;
        });
    }

    /** The wire shape of a table as hashed here: its columns, and its key columns unless rowid is the key. */
    static TableShape shapeOf(TableHashes local) {
        List<String> columns = local.columns();
        int[] keys = local.info().usesRowid() ? new int[0]
                : local.info().keyColumns().stream().mapToInt(k -> indexOf(columns, k)).toArray();
        return new TableShape(local.table(), columns, keys);
    }

    private static int indexOf(List<String> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }
}
