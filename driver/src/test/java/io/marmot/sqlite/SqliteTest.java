package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTest {
    @TempDir
    Path dir;

    /**
     * A transaction whose work dies of an Error is rolled back like one that throws an exception: left open, every
     * later write transaction of the connection failed with "cannot start a transaction within a transaction".
     */
    @Test
    void anErrorInsideAWriteTransactionRollsItBack() throws SQLException {
        try (Connection c = Sqlite.open(dir.resolve("t.db"))) {
            execute(c, "CREATE TABLE t(id INTEGER PRIMARY KEY)");
            assertThrows(StackOverflowError.class, () -> Sqlite.inWriteTransaction(c, x -> {
                execute(x, "INSERT INTO t VALUES (1)");
                throw new StackOverflowError("thrown by the test");
            }));
            assertThrows(IllegalStateException.class, () -> Sqlite.inWriteTransaction(c, x -> {
                execute(x, "INSERT INTO t VALUES (2)");
                throw new IllegalStateException("thrown by the test");
            }));
            Sqlite.inWriteTransaction(c, x -> {
                execute(x, "INSERT INTO t VALUES (3)");
                return null;
            });
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT group_concat(id) FROM t")) {
                rs.next();
                assertEquals("3", rs.getString(1));
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
