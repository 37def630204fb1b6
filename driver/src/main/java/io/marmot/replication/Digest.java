package io.marmot.replication;

import io.marmot.capture.ChangeLog;
import io.marmot.capture.LoggedChanges;
import io.marmot.clock.RowKey;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
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

    /**
     * Takes the digest; {@code hashes} holds each table's ranges as last taken and is brought up to date: a table
     * whose {@code dirty} set is known is hashed again only in those ranges (null: read every table whole).
     */
    static Digest take(Connection c, long node, MarmotConfig config, OwnMessages own, Map<String, TableHashes> hashes,
            Map<String, java.util.Set<Long>> dirty) throws SQLException {
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
            boolean settled = allPublished(c);
            for (Map.Entry<String, Long> p : positions.entrySet()) {
                settled &= own.allHandled(p.getKey(), p.getValue());
            }
            Map<String, Table> tables = new TreeMap<>();
            List<String> names = userTables(c, config);
            hashes.keySet().retainAll(names);
            for (String name : names) {
                TableInfo t = SchemaReader.table(c, name);
                if (t == null) {
                    hashes.remove(name);
                    continue;
                }
                TableHashes h = hashes.get(name);
                java.util.Set<Long> changed = dirty == null ? null : dirty.get(name);
                if (h == null || !h.info().equals(t) || dirty == null) {
                    h = TableHashes.scan(c, t);
                    hashes.put(name, h);
                } else if (changed != null && !changed.isEmpty()) {
                    h.rehash(c, changed);
                }
                tables.put(name, new Table(h.shape(), h.rows(), h.hash()));
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
