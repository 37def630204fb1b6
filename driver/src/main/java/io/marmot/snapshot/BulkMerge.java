package io.marmot.snapshot;

import static io.marmot.schema.Identifiers.quote;

import io.marmot.clock.RowVersions;
import io.marmot.merge.MergeWriter;
import io.marmot.schema.TableInfo;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The fast part of a merge, set-based inside SQLite with the copy attached: in each slice of the copy's rows (by
 * rowid), the rows this database has never seen (no version, no row under the key) are inserted with their
 * versions as they are in the copy, and the rows whose version here is exactly the copy's are passed over; what is
 * left (versions that differ) goes row by row through the applier's rule. The result is the one the row-by-row merge
 * gives: an unseen row takes the copy's state whole, an equal state changes nothing.
 */
final class BulkMerge implements AutoCloseable {
    static final String SCHEMA = "marmot_snapshot";
    private static final String KEYS = "temp.marmot_merge_keys";
    private static final int NEW = 0;
    private static final int SAME = 1;
    private static final int DIFFERENT = 2;

    /**
     * What one slice did: rows inserted, rows passed over as equal, the rowids left for the row-by-row rule, and how
     * long its work held the write lock.
     */
    record Slice(long inserted, long same, List<Long> different, long nanos) {
        long rows() {
            return inserted + same + different.size();
        }
    }

    private final Connection local;

    private BulkMerge(Connection local) {
        this.local = local;
    }

    /**
     * Attaches the copy, read-only, to the connection the merge writes with; detached on close. Read-only, so the
     * merge's write transactions take no lock on the copy, which the row-by-row part reads at the same time.
     */
    static BulkMerge attach(Connection local, Path copy) throws SQLException {
        try (PreparedStatement ps = local.prepareStatement("ATTACH DATABASE ? AS " + SCHEMA)) {
            ps.setString(1, copy.toAbsolutePath().toUri() + "?mode=ro");
            ps.execute();
        }
        try (Statement s = local.createStatement();
                ResultSet rs = s.executeQuery("SELECT file FROM pragma_database_list WHERE name = '" + SCHEMA + "'")) {
            String file = rs.next() ? rs.getString(1) : null;
            if (file == null || file.isEmpty() || !sameFile(Path.of(file), copy)) {
                s.execute("DETACH DATABASE " + SCHEMA);
                throw new SQLException("the snapshot " + copy + " could not be attached read-only (attached: " + file
                        + ")");
            }
        }
        try (Statement s = local.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS marmot_merge_keys (rid INTEGER PRIMARY KEY, pk BLOB NOT NULL,"
                    + " kind INTEGER NOT NULL)");
        }
        return new BulkMerge(local);
    }

    /** The same file, whichever way its path is spelled (SQLite may resolve links the JVM's path keeps). */
    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Whether the copy's table can be sliced by rowid (not a WITHOUT ROWID table). */
    boolean sliceable(String table) {
        try (Statement s = local.createStatement();
                ResultSet rs = s.executeQuery("SELECT rowid FROM " + SCHEMA + "." + quote(table) + " LIMIT 1")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** The last rowid of the slice that starts at {@code from} and holds up to {@code rows} rows; null at the end. */
    Long sliceEnd(String table, long from, int rows) throws SQLException {
        try (PreparedStatement ps = local.prepareStatement("SELECT max(rowid) FROM (SELECT rowid FROM " + SCHEMA + "."
                + quote(table) + " WHERE rowid >= ? ORDER BY rowid LIMIT ?)")) {
            ps.setLong(1, from);
            ps.setInt(2, rows);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long end = rs.getLong(1);
                return rs.wasNull() ? null : end;
            }
        }
    }

    /**
     * Merges the rows of the copy's {@code table} with rowids from {@code from} to {@code last} that are new here or
     * equal, in one transaction of {@code writer}; the slice's other rowids are returned for the row-by-row rule.
     */
    Slice slice(MergeWriter writer, TableInfo t, long from, long last) throws SQLException {
        long[] counts = new long[3];
        List<Long> different = new ArrayList<>();
        writer.applyBulk(db -> {
            long began = System.nanoTime();
            classify(t, from, last);
            counts[0] = insertNew(t);
            long newest = copyVersions(t);
            try (Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT rid, kind FROM " + KEYS + " WHERE kind <> " + NEW)) {
                while (rs.next()) {
                    if (rs.getInt(2) == SAME) {
                        counts[1]++;
                    } else {
                        different.add(rs.getLong(1));
                    }
                }
                s.execute("DELETE FROM " + KEYS);
            }
            counts[2] = System.nanoTime() - began;
            return newest;
        });
        return new Slice(counts[0], counts[1], different, counts[2]);
    }

    private void classify(TableInfo t, long from, long last) throws SQLException {
        String theirs = SCHEMA + "." + quote(t.name());
        List<String> keys = t.usesRowid() ? List.of() : t.keyColumns();
        String keyColumns = IntStream.range(0, keys.size()).mapToObj(i -> ", s." + quote(keys.get(i)) + " AS k" + i)
                .collect(Collectors.joining());
        List<String> keyArgs = t.usesRowid() ? List.of("s.rowid") : keys.stream().map(k -> "s." + quote(k)).toList();
        // "=" finds the row through the key's index ("IS" would scan the table); a key holding NULL is never taken
        // for new here, the row-by-row rule handles it.
        String sameKey = t.usesRowid() ? "l.rowid = k.rid"
                : IntStream.range(0, keys.size()).mapToObj(i -> "l." + quote(keys.get(i)) + " = k.k" + i)
                        .collect(Collectors.joining(" AND "));
        String keyPresent = IntStream.range(0, keys.size()).mapToObj(i -> "k.k" + i + " IS NOT NULL AND ")
                .collect(Collectors.joining());
        String sql = "WITH k AS MATERIALIZED (SELECT s.rowid AS rid, " + RowKeyFunction.sql(keyArgs) + " AS pk"
                + keyColumns + " FROM " + theirs + " s WHERE s.rowid >= ? AND s.rowid <= ?)"
                + " INSERT INTO " + KEYS + " (rid, pk, kind) SELECT k.rid, k.pk, CASE"
                + " WHEN " + keyPresent + "mv.pk IS NULL AND NOT EXISTS (SELECT 1 FROM main." + quote(t.name()) + " l WHERE " + sameKey + ")"
                + " THEN " + NEW
                + " WHEN mv.hlc = sv.hlc AND mv.node = sv.node AND mv.cols IS sv.cols THEN " + SAME
                + " ELSE " + DIFFERENT + " END FROM k"
                + " LEFT JOIN " + SCHEMA + "." + RowVersions.TABLE + " sv ON sv.tbl = ? AND sv.pk = k.pk"
                + " LEFT JOIN main." + RowVersions.TABLE + " mv ON mv.tbl = ? AND mv.pk = k.pk";
        try (PreparedStatement ps = local.prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, last);
            ps.setString(3, t.name());
            ps.setString(4, t.name());
            ps.executeUpdate();
        }
    }

    private long insertNew(TableInfo t) throws SQLException {
        List<String> columns = t.columns().stream().map(c -> quote(c.name())).toList();
        String into = (t.usesRowid() ? "rowid, " : "") + String.join(", ", columns);
        String from = (t.usesRowid() ? "s.rowid, " : "") + columns.stream().map(c -> "s." + c)
                .collect(Collectors.joining(", "));
        try (Statement s = local.createStatement()) {
            s.executeUpdate("INSERT INTO main." + quote(t.name()) + " (" + into + ") SELECT " + from + " FROM "
                    + KEYS + " k JOIN " + SCHEMA + "." + quote(t.name()) + " s ON s.rowid = k.rid WHERE k.kind = " + NEW);
            // changes(), not the update count: sqlite-jdbc counts the change log's rows the triggers wrote too
            try (ResultSet rs = s.executeQuery("SELECT changes()")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** The copy's states of the rows inserted (none recorded there: a row older than any write); the newest version. */
    private long copyVersions(TableInfo t) throws SQLException {
        String from = " FROM " + KEYS + " k LEFT JOIN " + SCHEMA + "." + RowVersions.TABLE
                + " sv ON sv.tbl = ? AND sv.pk = k.pk WHERE k.kind = " + NEW;
        try (PreparedStatement ps = local.prepareStatement("INSERT INTO main." + RowVersions.TABLE
                + " (tbl, pk, hlc, node, cols) SELECT ?, k.pk, coalesce(sv.hlc, 0), coalesce(sv.node, 0), sv.cols" + from)) {
            ps.setString(1, t.name());
            ps.setString(2, t.name());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = local.prepareStatement("SELECT coalesce(max(sv.hlc), 0)" + from)) {
            ps.setString(1, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try (Statement s = local.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + KEYS);
            s.execute("DETACH DATABASE " + SCHEMA);
        }
    }
}
