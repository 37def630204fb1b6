package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.core.DB;

/**
 * Statements the application closes are kept compiled and adopted by the next prepareStatement of the same SQL:
 * results stay those of fresh statements, schema changes (through the driver and from the sqlite3 shell) are seen,
 * and no compiled statement outlives the bound or the connection.
 */
class StatementCacheTest {
    private static final String INSERT = "INSERT INTO t (id, v) VALUES (?, ?)";

    @TempDir
    Path dir;
    Path db;
    Connection c;

    @AfterEach
    void close() throws SQLException {
        if (c != null) {
            c.close();
        }
        Marmot.close(db);
    }

    private MarmotConnection open(String params) throws SQLException {
        db = dir.resolve("cache.db");
        c = Db.open(db, "node-id=1" + params);
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        return c.unwrap(MarmotConnection.class);
    }

    /** Compiled statements the connection's SQLite database still holds (sqlite-jdbc lists them to finalize on close). */
    private static int compiled(Connection c) throws Exception {
        Field f = DB.class.getDeclaredField("stmts");
        f.setAccessible(true);
        return ((Set<?>) f.get(c.unwrap(MarmotConnection.class).getDatabase())).size();
    }

    @Test
    void manyPrepareCloseCyclesReuseOneStatementWithTheirOwnParameters() throws Exception {
        MarmotConnection m = open("");
        int before = compiled(c);
        for (int i = 0; i < 500; i++) {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setInt(1, i);
                ps.setString(2, "v" + i);
                assertEquals(1, ps.executeUpdate());
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE t SET v = v || ? WHERE id = ?")) {
                ps.setString(1, "!");
                ps.setInt(2, i);
                assertEquals(1, ps.executeUpdate(), "the update changed its own row only");
            }
        }
        assertEquals(998, m.statementCache().hits(), "every prepare after the first of each SQL was answered by the cache");
        assertEquals(before + 2, compiled(c), "two compiled statements kept, no more");
        for (int i = 0; i < 500; i += 97) {
            assertEquals("v" + i + "!", Db.scalar(c, "SELECT v FROM t WHERE id = ?", i));
        }
        assertEquals(500L, Db.count(c, "SELECT count(*) FROM t"));
        assertEquals(1000L, Db.logCount(c, "t"), "every insert and update captured");
    }

    @Test
    void anAdoptedStatementStartsWithoutTheFormerParametersBatchOrKeys() throws Exception {
        open("");
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setInt(1, 1);
            ps.setString(2, "batched, never run");
            ps.addBatch();
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            assertArrayEquals(new int[0], ps.executeBatch(), "the closed statement's batch is gone");
            ps.setInt(1, 2);
            assertEquals(1, ps.executeUpdate(), "v unset binds NULL as on a fresh statement");
        }
        assertEquals(List.of(List.of(2, "null")), Db.list(c, "SELECT id, coalesce(v, 'null') FROM t"));
        for (int i = 10; i < 13; i++) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "k");
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertTrue(keys.next());
                    assertEquals(Db.longValue(c, "SELECT max(id) FROM t"), keys.getLong(1));
                }
            }
        }
    }

    @Test
    void aClosedStatementStaysClosedAfterItsCompiledStatementWasAdopted() throws Exception {
        open("");
        PreparedStatement first = c.prepareStatement(INSERT);
        first.close();
        try (PreparedStatement second = c.prepareStatement(INSERT)) {
            assertTrue(first.isClosed());
            assertThrows(SQLException.class, () -> first.setInt(1, 1));
            assertThrows(SQLException.class, first::executeUpdate);
            second.setInt(1, 7);
            second.setString(2, "x");
            assertEquals(1, second.executeUpdate());
        }
        assertEquals(1L, Db.count(c, "SELECT count(*) FROM t"));
    }

    @Test
    void schemaChangesThroughTheDriverEmptyTheCacheAndStatementsSeeTheNewSchema() throws Exception {
        MarmotConnection m = open("");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
            ps.setInt(1, 1);
            ps.setString(2, "a");
            ps.executeUpdate();
        }
        assertEquals(1, m.statementCache().size());
        Db.exec(c, "ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'd'");
        assertEquals(0, m.statementCache().size(), "DDL through the driver finalizes kept statements");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?)")) {
            ps.setInt(1, 2);
            ps.setString(2, "b");
            ps.setString(3, "w");
            ps.executeUpdate();
        }
        assertEquals(List.of(List.of(1, "a", "d"), List.of(2, "b", "w")), Db.list(c, "SELECT id, v, w FROM t ORDER BY id"));
    }

    @Test
    void aKeptStatementRunsAgainstTheSchemaTheSqlite3ShellChanged() throws Exception {
        Sqlite3.assumeInstalled();
        MarmotConnection m = open("");
        String insert = "INSERT INTO t VALUES (?, ?)"; // no column list: its meaning follows the table's columns
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setInt(1, 1);
            ps.setString(2, "a");
            ps.executeUpdate();
        }
        Sqlite3.exec(db, "CREATE TABLE t2 (v TEXT, id INTEGER PRIMARY KEY); INSERT INTO t2 SELECT v, id FROM t;"
                + " DROP TABLE t; ALTER TABLE t2 RENAME TO t;");
        long hits = m.statementCache().hits();
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, "b");
            ps.setInt(2, 2);
            ps.executeUpdate();
        }
        assertEquals(hits + 1, m.statementCache().hits(), "the kept statement was adopted, not compiled anew");
        assertEquals(List.of(List.of(1, "a"), List.of(2, "b")), Db.list(c, "SELECT id, v FROM t ORDER BY id"));
    }

    @Test
    void theBoundHoldsAndNothingOutlivesTheConnection() throws Exception {
        MarmotConnection m = open("&statement-cache-size=4");
        int before = compiled(c);
        List<PreparedStatement> sameSqlOpenTogether = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sameSqlOpenTogether.add(c.prepareStatement(INSERT));
        }
        for (PreparedStatement ps : sameSqlOpenTogether) {
            ps.close();
        }
        assertEquals(before + 1, compiled(c), "one kept of three statements of the same SQL closed");
        for (int i = 0; i < 20; i++) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE t SET v = ? WHERE id = " + i)) {
                ps.setString(1, "x");
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
                ps.setInt(1, i);
                ps.executeQuery().close();
            }
        }
        assertEquals(4, m.statementCache().size());
        assertEquals(before + 4, compiled(c), "queries are never kept, updates up to the bound");
        c.close();
        assertEquals(0, compiled(c), "closing the connection finalized every statement");
    }

    @Test
    void zeroTurnsTheCacheOff() throws Exception {
        MarmotConnection m = open("&statement-cache-size=0");
        int before = compiled(c);
        for (int i = 0; i < 5; i++) {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setInt(1, i);
                ps.setString(2, "v");
                ps.executeUpdate();
            }
        }
        assertEquals(0, m.statementCache().hits());
        assertEquals(before, compiled(c));
        assertEquals(5L, Db.count(c, "SELECT count(*) FROM t"));
    }
}
