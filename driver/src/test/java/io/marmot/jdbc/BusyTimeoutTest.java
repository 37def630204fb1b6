package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.sqlite.WriteLockWaiter;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/** {@code PRAGMA busy_timeout} and {@code getBusyTimeout()} tell the same, whoever waits for the lock. */
class BusyTimeoutTest {
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    private static long pragma(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int busyTimeout(Connection c) {
        return ((SQLiteConnection) c).getBusyTimeout();
    }

    @Test
    void withoutAChoiceTheDriversWaiterWaitsAndBothSayHowLong() throws Exception {
        try (Connection c = Db.open(dir.resolve("a.db"))) {
            assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, busyTimeout(c));
            assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, pragma(c, "PRAGMA busy_timeout"));
            try (PreparedStatement ps = c.prepareStatement("pragma main.busy_timeout;"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, rs.getInt("timeout"));
            }

            ((SQLiteConnection) c).setBusyTimeout(1234);
            assertEquals(1234, busyTimeout(c));
            assertEquals(1234, pragma(c, "PRAGMA busy_timeout"));

            assertEquals(777, pragma(c, "PRAGMA busy_timeout = 777"));
            assertEquals(777, busyTimeout(c));
            assertEquals(777, pragma(c, "PRAGMA busy_timeout"));

            ((SQLiteConnection) c).setBusyTimeout(0);
            assertEquals(0, busyTimeout(c));
            assertEquals(0, pragma(c, "PRAGMA busy_timeout"));
        }
    }

    @Test
    void theApplicationsOwnTimeoutIsSqlitesAsWithPlainSqliteJdbc() throws Exception {
        try (Connection c = DriverManager.getConnection(Db.url(dir.resolve("b.db"), "node-id=1&busy_timeout=5000"))) {
            assertEquals(5000, busyTimeout(c));
            assertEquals(5000, pragma(c, "PRAGMA busy_timeout"));
            ((SQLiteConnection) c).setBusyTimeout(2500);
            assertEquals(2500, pragma(c, "PRAGMA busy_timeout"));
        }
    }

    @Test
    void aQueryTimeoutKeepsTheWaiter() throws Exception {
        try (Connection c = Db.open(dir.resolve("c.db")); Statement s = c.createStatement()) {
            s.setQueryTimeout(3);
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            // sqlite-jdbc sets the timeout for the statement and restores it after.
            assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, busyTimeout(c));
            assertEquals(WriteLockWaiter.DEFAULT_TIMEOUT_MS, pragma(c, "PRAGMA busy_timeout"));
        }
    }
}
