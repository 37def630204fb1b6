package io.marmot.engine;

import io.marmot.capture.ChangeLog;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Rows no group end stamped yet (auto-commit statements, other processes) take their stamp when the engine stops.
 * Left open, they would be stamped at the next start, newer than every write other nodes made in between, and win
 * over them. The publisher closes the group on its way out; an engine that does not publish (capture only) has none.
 */
final class OpenGroupAtStop {
    private static final Logger log = LoggerFactory.getLogger(OpenGroupAtStop.class);

    private OpenGroupAtStop() {
    }

    static void close(Path database, long nodeId) {
        try (SQLiteConnection c = Sqlite.open(database)) {
            if (hasLog(c)) {
                Sqlite.inWriteTransaction(c, ChangeLog::closeGroup);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("{} - at stop, the changes of the open group of {} stay unstamped until the next start: {}", nodeId,
                    database, e.toString());
        }
    }

    private static boolean hasLog(SQLiteConnection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + ChangeLog.LOG + "'")) {
            return rs.next();
        }
    }
}
