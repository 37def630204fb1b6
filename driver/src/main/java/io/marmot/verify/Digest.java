package io.marmot.verify;

import io.marmot.apply.ReceivedPositions;
import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.publish.OwnMessages;
import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node holds, in a few bytes per table: the stream positions it has applied, and per replicated table its
 * shape, its row count and an order-independent hash of its rows (keys and values with their storage classes).
 * Taken in one read transaction, so positions and rows agree. Two nodes that applied the same messages and whose own
 * writes are all in the stream must have equal digests; if not, they diverged in a way the stream cannot explain.
 *
 * @param settled every local change is published and this node has read its own messages back: the digest
 *     reflects exactly the messages up to {@code positions}
 */
record Digest(long node, long takenAtMillis, boolean settled, Map<String, Long> positions, Map<String, Table> tables) {
    /** @param shape the column names, lower-cased and sorted, then the key columns: tables of equal shape compare */
    record Table(String shape, long rows, long hash) {
    }

    /** How a table's ranges are brought up to date inside the digest's read transaction (read whole, or in part). */
    @FunctionalInterface
    interface Hashing {
        TableHashes of(Connection c, TableInfo table) throws SQLException;
    }

    static Digest take(Connection c, long node, MarmotConfig config, OwnMessages own, Hashing hashing)
            throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false); // one read transaction: positions, log state and rows from the same snapshot
        try {
            Map<String, Long> positions = new TreeMap<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT stream, seq FROM " + ReceivedPositions.TABLE)) {
                while (rs.next()) {
                    positions.put(rs.getString(1), rs.getLong(2));
                }
            }
            boolean settled = allPublished(c) && own.allHandled(positions);
            Map<String, Table> tables = new TreeMap<>();
            for (String name : userTables(c, config)) {
                TableInfo t = SchemaReader.table(c, name);
                if (t != null) {
                    TableHashes h = hashing.of(c, t);
                    tables.put(name, new Table(h.shape(), h.rows(), h.hash()));
                }
            }
            return new Digest(node, System.currentTimeMillis(), settled, positions, tables);
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
    }

    private static boolean allPublished(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT (SELECT coalesce(max(seq), 0) FROM "
                + ChangeLog.LOG + ") <= published_seq FROM " + ChangeLog.STATE)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static List<String> userTables(Connection c, MarmotConfig config) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (!Identifiers.isInternal(name) && !name.toLowerCase(Locale.ROOT).startsWith("sqlite_")
                        && config.replicates(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** A 64-bit hash of a row's canonical bytes (FNV-1a, then a finalizer so sums of similar rows spread). */
    static long mix(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }
}
