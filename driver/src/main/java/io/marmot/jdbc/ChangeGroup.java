package io.marmot.jdbc;

import io.marmot.capture.ChangeLog;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.sqlite.SQLiteConnection;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

/**
 * The change group of a connection's transaction: closed inside the transaction at commit when it wrote anything,
 * so peers receive exactly this transaction together. Closing it is one marker row in the change log carrying the
 * clock reading that stamps the transaction's rows ({@link ChangeLog#CLOSE_GROUP}): the triggers take no reading.
 */
final class ChangeGroup implements AutoCloseable {
    private final SQLiteConnection connection;
    private long changesAtStart;
    private PreparedStatement closeGroup;

    ChangeGroup(SQLiteConnection connection) {
        this.connection = connection;
    }

    /** A transaction starts (after a commit, a rollback, a change of auto-commit). */
    void begin() throws SQLException {
        changesAtStart = connection.getDatabase().total_changes();
    }

    /** Closes the group inside the transaction about to commit, if it wrote anything. */
    void end(boolean engineClosed) throws SQLException {
        if (connection.getAutoCommit() || connection.getDatabase().total_changes() == changesAtStart) {
            return;
        }
        if (engineClosed && !stateTableExists()) {
            return; // Marmot.cleanup removed capture under this open connection: there is no group to close
        }
        if (closeGroup == null) {
            closeGroup = new JDBC4PreparedStatement(connection, ChangeLog.CLOSE_GROUP);
        }
        closeGroup.setLong(1, System.currentTimeMillis());
        closeGroup.executeUpdate();
    }

    private boolean stateTableExists() throws SQLException {
        try (PreparedStatement ps = new JDBC4PreparedStatement(connection,
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + ChangeLog.STATE + "'");
                ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    @Override
    public void close() throws SQLException {
        if (closeGroup != null) {
            closeGroup.close();
        }
    }
}
