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

    static void enable(Connection c, Path database) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
            String mode = rs.next() ? rs.getString(1) : "";
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new SQLException("Cannot switch " + database + " to WAL journal mode (it stays '" + mode
                        + "'); replication needs WAL. Is the file on a network file system or opened read-only?");
            }
        }
    }
}
