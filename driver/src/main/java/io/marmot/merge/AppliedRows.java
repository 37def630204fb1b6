package io.marmot.merge;

import io.marmot.capture.ChangeLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Keeps the applier's own writes out of the change log, inside its write transaction: the capture triggers log them
 * like any write (they read no flag, which would cost every local write a read), and every row logged after
 * {@link #begin} is the applier's, since it holds the write lock, so {@link #end} deletes them. Before, it ends the
 * open change group: rows other processes (or auto-commit statements) committed are stamped and can be folded, so
 * they are compared with received versions as the local writes they are. Its four statements run in every applied
 * transaction: each is prepared once, at its first use, and kept until {@link #close}.
 */
final class AppliedRows implements AutoCloseable {
    private final Connection db;
    private PreparedStatement closeGroup;
    private PreparedStatement lastLogged;
    private PreparedStatement deleteLogged;
    private PreparedStatement raiseFloor;

    AppliedRows(Connection db) {
        this.db = db;
    }

    /** The log's last position, after ending the open group; call first in the applier's transaction. */
    long begin() throws SQLException {
        closeGroup = prepared(closeGroup, ChangeLog.CLOSE_GROUP);
        ChangeLog.closeGroup(closeGroup);
        lastLogged = prepared(lastLogged, "SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG);
        try (ResultSet rs = lastLogged.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Deletes the rows logged since {@code logged} (the applier's writes) and raises the clock's floor past
     * {@code maxVersion}, so the next local change group is stamped newer than anything applied.
     */
    void end(long logged, long maxVersion) throws SQLException {
        deleteLogged = prepared(deleteLogged, "DELETE FROM " + ChangeLog.LOG + " WHERE seq > ?");
        deleteLogged.setLong(1, logged);
        deleteLogged.executeUpdate();
        if (maxVersion > 0) {
            raiseFloor = prepared(raiseFloor, "UPDATE " + ChangeLog.STATE + " SET hlc = max(hlc, ?) WHERE hlc < ?");
            raiseFloor.setLong(1, maxVersion);
            raiseFloor.setLong(2, maxVersion);
            raiseFloor.executeUpdate();
        }
    }

    private PreparedStatement prepared(PreparedStatement kept, String sql) throws SQLException {
        return kept != null ? kept : db.prepareStatement(sql);
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement a = closeGroup; PreparedStatement b = lastLogged; PreparedStatement c = deleteLogged;
                PreparedStatement d = raiseFloor) {
            // closes those prepared, keeping the first failure
        }
    }
}
