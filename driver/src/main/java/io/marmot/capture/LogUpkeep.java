package io.marmot.capture;

import io.marmot.clock.RowVersions;
import io.marmot.schema.PastShapes;
import io.marmot.sqlite.Sqlite;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.BooleanSupplier;

/**
 * Keeps the change log small: records how far it was published, folds local changes into the row versions and
 * deletes rows that are both published and folded, in short transactions (the application's writers wait while
 * the engine holds the write lock).
 */
public final class LogUpkeep implements AutoCloseable {
    private static final int DELETE_SLICE = 20_000; // at most, when deleting is quick
    /** Rows one deletion slice takes, halved or doubled so that a slice holds the write lock about SLICE_NANOS. */
    private int deleteSlice = 2_000;

    private final Connection db;
    private final RowVersions versions;
    private final VersionFold fold;
    private LogPosition persisted;
    /** Run at every cycle of the publisher ({@link #closeOpenGroup}): prepared once, at the first. */
    private PreparedStatement newestOp;
    private PreparedStatement closeGroup;

    /** @param writers what the engine's writers of row versions share (its collector of changed keys) */
    public LogUpkeep(Connection db, long nodeId, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.db = db;
        this.versions = new RowVersions(db, writers);
        this.fold = new VersionFold(db, nodeId, versions);
        this.persisted = published(db);
    }

    /** How far the log was published, as recorded in the database. */
    public static LogPosition published(Connection db) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT published_seq, published_version FROM " + ChangeLog.STATE)) {
            rs.next();
            return new LogPosition(rs.getLong(1), rs.getLong(2));
        }
    }

    /**
     * Records that the log is published up to {@code upTo} and deletes what is published and folded, in slices,
     * stopping after a slice once {@code stop} says so or the slices earned the file a breather ({@link Sqlite#inSlice}).
     * {@code publishes} false (a node that only receives): nothing waits to be published. True when it is all done,
     * false when rows are left for the next call.
     */
    public boolean prune(LogPosition upTo, boolean publishes, BooleanSupplier stop) throws SQLException {
        long publishedSeq = publishes ? upTo.seq() : Long.MAX_VALUE;
        boolean prunable;
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + ChangeLog.LOG + " WHERE seq <= "
                        + publishedSeq + " AND seq < (SELECT max(seq) FROM " + ChangeLog.LOG + "))")) {
            prunable = rs.next() && rs.getBoolean(1);
        }
        if (!prunable && persisted.equals(upTo)) {
            return true;
        }
        // A turn ends once its burst of slices earned a breather: waiting it out here, the publisher would not publish.
        BooleanSupplier halt = () -> stop.getAsBoolean() || Sqlite.breathing(db);
        boolean more = !fold.catchUp(halt) || halt.getAsBoolean(); // deletions wait for the next turn
        Sqlite.SqlWork<Long> record = c -> {
            // Folded in the same transaction: a few rows since the catch-up (what is left waits for the next round).
            LogPosition folded = more ? fold.folded() : fold.foldSlice();
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + ChangeLog.STATE
                    + " SET published_seq = ?, published_version = ?")) {
                ps.setLong(1, upTo.seq());
                ps.setLong(2, upTo.version());
                ps.executeUpdate();
            }
            return Math.min(publishedSeq, folded.seq());
        };
        long deleteUpTo = more ? Sqlite.inWriteTransaction(db, record) : Sqlite.inSlice(db, record, x -> false);
        if (more) {
            return false;
        }
        // The newest row always stays: SQLite numbers a new row max(seq) + 1, and an empty log would start
        // again at 1, below the positions readers resume from.
        int deleted;
        int slice;
        long[] locked = {0};
        do {
            slice = deleteSlice;
            int full = slice;
            deleted = Sqlite.inSlice(db, c -> {
                locked[0] = System.nanoTime();
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + ChangeLog.LOG + " WHERE seq <= min(?,"
                        + " (SELECT min(seq) FROM " + ChangeLog.LOG + ") + ?) AND seq < (SELECT max(seq) FROM "
                        + ChangeLog.LOG + ")")) {
                    ps.setLong(1, deleteUpTo);
                    ps.setLong(2, deleteSlice);
                    return ps.executeUpdate();
                }
            }, n -> n >= full);
            long held = System.nanoTime() - locked[0];
            if (held > Sqlite.SLICE_NANOS && deleteSlice > 500) {
                deleteSlice /= 2;
            } else if (held < Sqlite.SLICE_NANOS / 2 && deleteSlice < DELETE_SLICE && deleted >= slice) {
                deleteSlice *= 2;
            }
        } while (deleted >= slice && !halt.getAsBoolean());
        long firstLogged;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT min(seq) FROM " + ChangeLog.LOG)) {
            firstLogged = rs.next() ? rs.getLong(1) : 0;
        }
        if (PastShapes.anyBefore(db, firstLogged)) {
            Sqlite.inWriteTransaction(db, c -> PastShapes.forgetBefore(c, firstLogged)); // no row left they describe
        }
        persisted = upTo;
        return deleted < slice;
    }

    /**
     * Ends the open change group, if rows were logged since the last group ended (by the {@code sqlite3} shell, other
     * processes, auto-commit statements, capture itself), in a short write transaction of its own: readers stop
     * before an open group, so these rows are stamped (take their version) and sent from here. True when it did.
     */
    public boolean closeOpenGroup() throws SQLException {
        if (newestOp == null) {
            newestOp = db.prepareStatement(ChangeLog.NEWEST_OP);
            closeGroup = db.prepareStatement(ChangeLog.CLOSE_GROUP);
        }
        return ChangeLog.closeOpenGroup(db, newestOp, closeGroup);
    }

    /**
     * Changes logged after {@code published}. Positions are contiguous (rows leave the log only from its head), so
     * this is a subtraction, not a count, however long NATS was away.
     */
    public long backlog(LogPosition published) throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG)) {
            return rs.next() ? Math.max(0, rs.getLong(1) - published.seq()) : 0;
        }
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement a = newestOp; PreparedStatement b = closeGroup) {
            fold.close();
        } finally {
            versions.close();
        }
    }
}
