package io.marmot.engine;

import io.marmot.capture.ChangeLog;
import io.marmot.sqlite.Sqlite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Rows no group end stamped yet (auto-commit statements, other processes) take their version when their group is
 * closed. One closed at the next start with the clock then would be newer than every write other nodes made in
 * between, and win over them: so an engine closes its open group when it stops, and a group found open at start (the
 * engine was killed, or another process wrote while none ran) is closed with the time the file was last written.
 */
final class OpenGroups {
    private static final Logger log = LoggerFactory.getLogger(OpenGroups.class);

    private OpenGroups() {
    }

    /**
     * When the database or its WAL was last written (now if unknown), read before the engine opens the file: no later
     * than the writes of a group left open. A later write by another process (a shell's checkpoint, say) can only make
     * it later, never earlier than the writes.
     */
    static long lastWritten(Path database) {
        long last = Long.MIN_VALUE;
        for (Path p : new Path[] {database, Path.of(database + "-wal")}) {
            try {
                last = Math.max(last, Files.getLastModifiedTime(p).toMillis());
            } catch (IOException e) {
                // no WAL (checkpointed by a clean close), or no file yet: nothing written there
            }
        }
        return last == Long.MIN_VALUE ? System.currentTimeMillis() : last;
    }

    /** At start, inside the set-up transaction: the group left open stamped with {@code lastWritten}. */
    static void closeAtStart(Connection tx, long nodeId, Path database, long lastWritten) throws SQLException {
        if (ChangeLog.closeGroupWrittenBy(tx, lastWritten)) {
            log.info("{} - changes written in {} while no engine stamped them (a kill, another process) take the time"
                    + " the file was last written, {}", nodeId, database, java.time.Instant.ofEpochMilli(lastWritten));
        }
    }

    static void closeAtStop(Path database, long nodeId) {
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
