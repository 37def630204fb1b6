package io.marmot.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Replication reads the change log while the application writes: the file must be in WAL mode. */
final class WalMode {
    private WalMode() {
    }

    /**
     * A new, empty file is switched without syncing: the switch writes its first page through a rollback journal,
     * synced twice, which made the switch most of an opening thread's time with a thousand new databases opening
     * (20-38 ms a database on a loaded machine, 4-7 ms unsynced). An empty file has nothing a crash could lose, and its
     * first checkpoint writes and syncs that page again; a file with content is switched as ever.
     */
    static void enable(Connection c, Path database) throws SQLException {
        boolean empty = isEmpty(database);
        try (Statement s = c.createStatement()) {
            if (empty) {
                s.execute("PRAGMA synchronous = OFF");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                String mode = rs.next() ? rs.getString(1) : "";
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new SQLException("Cannot switch " + database + " to WAL journal mode (it stays '" + mode
                            + "'); replication needs WAL. Is the file on a network file system or opened read-only?");
                }
            } finally {
                if (empty) {
                    s.execute("PRAGMA synchronous = NORMAL"); // as Sqlite.open sets it
                }
            }
        }
    }

    private static boolean isEmpty(Path database) {
        try {
            return java.nio.file.Files.size(database) == 0;
        } catch (java.io.IOException e) {
            return false; // not known: switched as ever
        }
    }
}
