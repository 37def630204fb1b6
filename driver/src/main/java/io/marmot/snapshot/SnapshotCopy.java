package io.marmot.snapshot;

import io.marmot.capture.ChangeLog;
import io.marmot.capture.VersionFold;
import io.marmot.clock.RowVersions;
import io.marmot.schema.Identifiers;
import io.marmot.schema.PastShapes;
import io.marmot.schema.SchemaJournal;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.sqlite.SQLiteConnection;

/**
 * A consistent copy of a database, fit to start another node from. {@code VACUUM INTO} copies the database in
 * one read transaction (writers go on), so the copy's rows and its stored stream positions are those of one
 * moment: the applier writes both in the same transaction. The copy is then made anonymous and self-contained:
 * the change log is folded into the row versions and emptied, the node's identity, out-of-sync record and parked
 * messages go, and the positions become the ones the copy truly reflects.
 */
final class SnapshotCopy {
    static final String RECEIVED = "__marmot_received";
    static final String MISSED = "__marmot_missed";
    static final String PARKED = "__marmot_parked";
    static final String IDENTITY = "__marmot_identity";
    static final String CONFLICTS = "__marmot_conflicts";

    /** What a finished copy holds. */
    record Taken(long sourceNode, Map<String, Manifest.Position> positions, String schemaFingerprint, String sha256,
            long size, long rows) {
    }

    private SnapshotCopy() {
    }

    /** Copies {@code database} into {@code target} (which must not exist) and prepares the copy. */
    static Taken take(Path database, Path target) throws SQLException, IOException {
        try (SQLiteConnection c = Sqlite.open(database);
                PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, target.toString());
            ps.execute();
        }
        try (SQLiteConnection copy = Sqlite.open(target)) {
            long source = hasTable(copy, ChangeLog.STATE) ? ChangeLog.storedNodeId(copy) : 0;
            Map<String, Manifest.Position> positions = Sqlite.inWriteTransaction(copy, tx -> anonymize(tx, source));
            String fingerprint = schemaFingerprint(copy);
            long rows = rows(copy);
            boolean compact;
            try (Statement s = copy.createStatement()) {
                s.execute("PRAGMA journal_mode = DELETE"); // one self-contained file, no -wal beside it
                compact = mostlyFree(s);
            }
            copy.close();
            if (compact) {
                compact(target); // a long change log was emptied: do not ship its pages
            }
            try (SQLiteConnection checked = Sqlite.open(target); Statement s = checked.createStatement();
                    ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                String first = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equals(first)) {
                    throw new SQLException("the copy failed its integrity check (" + first + "): no snapshot stored");
                }
            }
            return new Taken(source, positions, fingerprint, sha256(target), Files.size(target), rows);
        }
    }

    /**
     * Rewrites the copy without its free pages through {@code VACUUM INTO}, which keeps every rowid; a plain
     * {@code VACUUM} renumbers the rows of tables without an {@code INTEGER PRIMARY KEY}, and row versions are keyed by
     * rowid there.
     */
    private static void compact(Path target) throws SQLException, IOException {
        Path compacted = target.resolveSibling(target.getFileName() + "-compact");
        Files.deleteIfExists(compacted);
        try (SQLiteConnection c = Sqlite.open(target); PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, compacted.toString());
            ps.execute();
        }
        Files.move(compacted, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static Map<String, Manifest.Position> anonymize(Connection c, long source) throws SQLException {
        if (hasTable(c, MISSED) && count(c, "SELECT count(*) FROM " + MISSED) > 0) {
            throw new SQLException("this node is out of sync (messages it missed are recorded in " + MISSED
                    + "): a copy of it would lack changes, so it takes no snapshot");
        }
        if (hasTable(c, ChangeLog.STATE) && hasTable(c, ChangeLog.LOG)) {
            try (RowVersions versions = new RowVersions(c, io.marmot.clock.VersionWriters.alone()); VersionFold fold = new VersionFold(c, source, versions)) {
                ChangeLog.closeGroup(c); // rows no group end stamped yet take their versions too
                fold.fold(); // local changes not yet folded keep their versions in the copy
            }
        }
        Map<String, Manifest.Position> positions = reflectedPositions(c);
        try (Statement s = c.createStatement()) {
            if (hasTable(c, ChangeLog.LOG)) {
                s.execute("DELETE FROM " + ChangeLog.LOG);
            }
            s.execute("DROP TABLE IF EXISTS " + IDENTITY);
            // this node's own records; the shapes describe rows of the log emptied above, and the schema changes not
            // sent yet are the source's to send
            for (String table : new String[] {MISSED, PARKED, CONFLICTS, PastShapes.TABLE, SchemaJournal.OUTBOX}) {
                if (hasTable(c, table)) {
                    s.execute("DELETE FROM " + table);
                }
            }
            if (hasTable(c, ChangeLog.STATE)) {
                // node id 0: whoever restores the copy runs as its configured id or a fresh one, never as the source
                s.execute("UPDATE " + ChangeLog.STATE + " SET node_id = 0, applying = 0, published_seq = 0,"
                        + " published_version = 0, folded_seq = 0, folded_version = 0, skew = 0,"
                        + " hlc = max(hlc, (SELECT coalesce(max(hlc), 0) FROM " + RowVersions.TABLE + "))");
            }
            if (hasTable(c, RECEIVED)) {
                s.execute("DELETE FROM " + RECEIVED);
            }
        }
        if (hasTable(c, RECEIVED)) {
            writePositions(c, positions);
        }
        return positions;
    }

    /**
     * The stored positions, except that a stream with parked messages is reflected only up to the first of them
     * (the copy lacks their rows: whoever restores it reads them again). A lowered position has no known stamp.
     */
    private static Map<String, Manifest.Position> reflectedPositions(Connection c) throws SQLException {
        Map<String, Manifest.Position> out = new HashMap<>();
        if (!hasTable(c, RECEIVED)) {
            return out;
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT stream, seq, created, stamp FROM " + RECEIVED)) {
            while (rs.next()) {
                out.put(rs.getString(1), new Manifest.Position(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        if (hasTable(c, PARKED)) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT stream, min(seq) FROM " + PARKED
                    + " WHERE stream IS NOT NULL AND seq IS NOT NULL GROUP BY stream")) {
                while (rs.next()) {
                    Manifest.Position p = out.get(rs.getString(1));
                    long before = rs.getLong(2) - 1;
                    if (p != null && before < p.seq()) {
                        out.put(rs.getString(1), new Manifest.Position(Math.max(0, before), p.created(), 0));
                    }
                }
            }
        }
        return out;
    }

    /** Stores positions as the applier would, in the caller's transaction ({@code tail}: the position itself). */
    static void writePositions(Connection c, Map<String, Manifest.Position> positions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + RECEIVED + " (stream, seq, created, stamp, tail)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, created = excluded.created,"
                + " stamp = excluded.stamp, tail = excluded.tail")) {
            for (Map.Entry<String, Manifest.Position> e : positions.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setLong(2, e.getValue().seq());
                ps.setLong(3, e.getValue().created());
                ps.setLong(4, e.getValue().stamp());
                ps.setLong(5, e.getValue().seq());
                ps.executeUpdate();
            }
        }
    }

    /** Whether more than a quarter of the copy's pages are free (the emptied change log was large). */
    private static boolean mostlyFree(Statement s) throws SQLException {
        long free;
        long pages;
        try (ResultSet rs = s.executeQuery("PRAGMA freelist_count")) {
            free = rs.next() ? rs.getLong(1) : 0;
        }
        try (ResultSet rs = s.executeQuery("PRAGMA page_count")) {
            pages = rs.next() ? rs.getLong(1) : 0;
        }
        return free * 4 > pages;
    }

    /** SHA-256 over the user's schema (type, name and SQL of each object, in name order), hex, 16 digits. */
    static String schemaFingerprint(Connection c) throws SQLException {
        MessageDigest d = sha256Digest();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT type, name, coalesce(sql, '')"
                + " FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name")) {
            while (rs.next()) {
                if (!Identifiers.isInternal(rs.getString(2)) && !rs.getString(3).contains(Identifiers.INTERNAL_PREFIX)) {
                    d.update((rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "\n").getBytes(
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    }

    static long rows(Connection c) throws SQLException {
        long rows = 0;
        for (String table : SchemaReader.userTables(c)) {
            rows += count(c, "SELECT count(*) FROM " + Identifiers.quote(table));
        }
        return rows;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest d = sha256Digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    static boolean hasTable(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
