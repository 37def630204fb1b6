package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
    @TempDir
    Path dir;

    @org.junit.jupiter.api.AfterEach
    void stop() {
        io.marmot.Marmot.closeAll(); // the embedded nats-server writes in the temp dir until its engine stops
    }

    @Test
    void insertIsCaptured() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("a.db") + "?node-id=7");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO t (name) VALUES ('x')");
            // Rows of tables only: the publisher may already have ended the open group with a marker (no table)
            try (ResultSet rs = s.executeQuery("SELECT tbl, op & 15, c0, c1 FROM __marmot_log WHERE tbl IS NOT NULL")) {
                assertTrue(rs.next(), "the insert left a change-log row");
                assertEquals("t", rs.getString(1));
                assertEquals(1, rs.getInt(2), "an insert");
                assertEquals(1, rs.getLong(3), "the generated key");
                assertEquals("x", rs.getString(4));
                assertFalse(rs.next(), "one statement, one change-log row");
            }
        }
    }
}
