package io.marmot.merge;

import io.marmot.capture.ChangeLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Keeps the applier's own writes out of the change log, inside its write transaction: the capture triggers log them
 * like any write (they read no flag, which would cost every local write a read), and every row logged after
 * {@link #begin} is the applier's, since it holds the write lock, so {@link #end} deletes them. Before, it ends the
 * open change group: rows other processes (or auto-commit statements) committed are stamped and can be folded, so
 * they are compared with received versions as the local writes they are.
 */
final class AppliedRows {
    private AppliedRows() {
    }

    /** The log's last position, after ending the open group; call first in the applier's transaction. */
    static long begin(Connection db) throws SQLException {
        ChangeLog.closeGroup(db);
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Deletes the rows logged since {@code logged} (the applier's writes) and raises the clock's floor past
     * {@code maxVersion}, so the next local change group is stamped newer than anything applied.
     */
    static void end(Connection db, long logged, long maxVersion) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + ChangeLog.LOG + " WHERE seq > ?")) {
            ps.setLong(1, logged);
            ps.executeUpdate();
        }
        if (maxVersion > 0) {
            try (PreparedStatement ps = db.prepareStatement("UPDATE " + ChangeLog.STATE + " SET hlc = max(hlc, ?)"
                    + " WHERE hlc < ?")) {
                ps.setLong(1, maxVersion);
                ps.setLong(2, maxVersion);
                ps.executeUpdate();
            }
        }
    }
}
