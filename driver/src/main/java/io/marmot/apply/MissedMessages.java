package io.marmot.apply;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code __marmot_missed}: messages this node will never apply because they are gone from their stream (retention,
 * a lost NATS store). While it holds a row the node is OUT OF SYNC, across restarts, until it is healed or an
 * operator clears it ({@code io.marmot.Marmot.clearOutOfSync}).
 */
public final class MissedMessages {
    private static final Logger log = LoggerFactory.getLogger(MissedMessages.class);
    static final String TABLE = "__marmot_missed";

    private MissedMessages() {
    }

    static void create(Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INTEGER PRIMARY KEY, stream TEXT NOT NULL,"
                    + " first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, reason TEXT NOT NULL,"
                    + " detected_at TEXT NOT NULL)");
        }
    }

    /** Records a range of a stream as missed; call inside the transaction that moves the position past it. */
    static void record(Connection db, long nodeId, String stream, long first, long last, String reason) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + TABLE
                + " (stream, first_seq, last_seq, reason, detected_at) VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")) {
            ps.setString(1, stream);
            ps.setLong(2, first);
            ps.setLong(3, last);
            ps.setString(4, reason);
            ps.executeUpdate();
        }
        log.error("{} - OUT OF SYNC: messages {}..{} of stream {} are gone: {}. This node no longer converges with the"
                + " others until it is healed: it merges the newest snapshot that covers them by itself (if none does,"
                + " take one on a node that is in sync: io.marmot.Marmot.saveSnapshot or the sidecar's --save-snapshot).",
                nodeId, first, last, stream, reason);
    }

    /** The missed ranges, one line each ("stream 12..40: reason"); empty when the node is in sync. */
    public static List<String> describe(Connection db) throws SQLException {
        List<String> out = new ArrayList<>();
        if (!exists(db)) {
            return out;
        }
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT stream, first_seq, last_seq, reason FROM " + TABLE + " ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getLong(2) + ".." + rs.getLong(3) + ": " + rs.getString(4));
            }
        }
        return out;
    }

    /** One recorded range of missed messages of a stream. */
    public record Range(String stream, long first, long last) {
        @Override
        public String toString() {
            return stream + " " + first + ".." + last;
        }
    }

    /** The missed ranges; empty when the node is in sync. */
    public static List<Range> ranges(Connection db) throws SQLException {
        List<Range> out = new ArrayList<>();
        if (!exists(db)) {
            return out;
        }
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT stream, first_seq, last_seq FROM " + TABLE + " ORDER BY id")) {
            while (rs.next()) {
                out.add(new Range(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /**
     * Forgets the ranges a merged snapshot covers (every message up to {@code coveredUpTo} of the stream is in it);
     * returns how many ranges it forgot. Call in a write transaction.
     */
    public static int clearCovered(Connection db, String stream, long coveredUpTo) throws SQLException {
        if (!exists(db)) {
            return 0;
        }
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + TABLE + " WHERE stream = ? AND last_seq <= ?")) {
            ps.setString(1, stream);
            ps.setLong(2, coveredUpTo);
            return ps.executeUpdate();
        }
    }

    /** How many messages are recorded missed. */
    static long count(Connection db) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM " + TABLE)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Forgets every missed range (the operator healed the node); returns how many ranges there were. */
    public static int clear(Connection db) throws SQLException {
        if (!exists(db)) {
            return 0;
        }
        try (Statement s = db.createStatement()) {
            return s.executeUpdate("DELETE FROM " + TABLE);
        }
    }

    private static boolean exists(Connection db) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + TABLE + "'")) {
            return rs.next();
        }
    }
}
