package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.clock.ClusterId;
import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code marmot_id()}: keys two nodes can insert at the same time without one row replacing the other, as an explicit
 * value and as a column default; and what happens where it cannot work (a node id that does not fit, another program).
 */
class MarmotIdTest {
    private static final int ROWS = 200;
    @TempDir
    Path dir;

    @Test
    void twoNodesInsertingConcurrentlyKeepEveryRow() throws Exception {
        try (TwoNodes nodes = TwoNodes.start(dir)) {
            Connection one = nodes.connect(1);
            Connection two = nodes.connect(2);
            Db.exec(one, "CREATE TABLE items (id BIGINT PRIMARY KEY DEFAULT (marmot_id()), node INTEGER, n INTEGER)");
            Await.until(Duration.ofSeconds(20), "node 2 has the table", () -> {
                try {
                    return Db.count(two, "SELECT count(*) FROM items") >= 0;
                } catch (SQLException noTableYet) {
                    return false;
                }
            });
            ExecutorService writers = Executors.newFixedThreadPool(2);
            try {
                Future<?> a = writers.submit(() -> insert(one, 1));
                Future<?> b = writers.submit(() -> insert(two, 2));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
            } finally {
                writers.shutdownNow();
            }
            for (Connection c : List.of(one, two)) {
                Await.until(Duration.ofSeconds(30), "every row on both nodes",
                        () -> Db.count(c, "SELECT count(*) FROM items") == 2 * ROWS);
            }
            assertEquals(Db.dump(one), Db.dump(two), "both files hold the same rows");
            for (List<Object> row : Db.list(one, "SELECT id, node FROM items")) {
                assertEquals(((Number) row.get(1)).longValue(), ClusterId.nodeOf(((Number) row.get(0)).longValue()),
                        "the id carries the node that inserted it: " + row);
            }
            assertEquals(0, Db.count(one, "SELECT count(*) FROM __marmot_conflicts")
                    + Db.count(two, "SELECT count(*) FROM __marmot_conflicts"), "no key collided");
            long fromJava = Marmot.nextId(nodes.database(2));
            assertEquals(2, ClusterId.nodeOf(fromJava));
            assertTrue(fromJava > Db.longValue(two, "SELECT max(id) FROM items WHERE node = 2"), "time-ordered");
        }
    }

    /** Half the rows take the column default, half name marmot_id() in the statement; each in its own transaction. */
    private static Void insert(Connection c, int node) throws SQLException {
        try (PreparedStatement byDefault = c.prepareStatement("INSERT INTO items (node, n) VALUES (?, ?)");
                PreparedStatement explicit = c.prepareStatement("INSERT INTO items (id, node, n) VALUES (marmot_id(), ?, ?)")) {
            for (int i = 0; i < ROWS; i++) {
                PreparedStatement ps = i % 2 == 0 ? byDefault : explicit;
                ps.setInt(1, node);
                ps.setInt(2, i);
                ps.executeUpdate();
            }
        }
        return null;
    }

    @Test
    void oneStatementInsertingManyRowsGivesEachItsOwnId() throws Exception {
        Path db = dir.resolve("many.db");
        try (Connection c = Db.open(db, "node-id=7")) {
            Db.exec(c, "CREATE TABLE t (id BIGINT PRIMARY KEY DEFAULT (marmot_id()), n INTEGER)",
                    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)"
                            + " INSERT INTO t (n) SELECT n FROM s",
                    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)"
                            + " INSERT INTO t (id, n) SELECT marmot_id(), n FROM s");
            assertEquals(10_000, Db.count(c, "SELECT count(DISTINCT id) FROM t"));
            assertEquals(0, Db.count(c, "SELECT count(*) FROM t WHERE (id >> 10) & 4095 <> 7"));
            // Ids grow in insertion order (rowid order here), also past 1,024 in a millisecond.
            assertEquals(0, Db.count(c, "SELECT count(*) FROM t a JOIN t b ON b.rowid = a.rowid + 1 WHERE b.id <= a.id"));
        } finally {
            Marmot.close(db);
        }
    }

    @Test
    void aNodeIdThatDoesNotFitIsRefusedWithWhatToDo() throws Exception {
        Path db = dir.resolve("big.db");
        try (Connection c = Db.open(db, "node-id=5000")) {
            SQLException e = assertThrows(SQLException.class, () -> Db.scalar(c, "SELECT marmot_id()"));
            assertTrue(e.getMessage().contains("node-id from 1 to 4095") && e.getMessage().contains("runs as 5000"),
                    e.getMessage());
            SQLException java = assertThrows(SQLException.class, () -> Marmot.nextId(db));
            assertTrue(java.getMessage().contains("runs as 5000"), java.getMessage());
        } finally {
            Marmot.close(db);
        }
        SQLException stopped = assertThrows(SQLException.class, () -> Marmot.nextId(db));
        assertTrue(stopped.getMessage().contains("No marmot engine runs for"), stopped.getMessage());
    }

    @Test
    void otherProgramsHaveNoSuchFunction() throws Exception {
        Sqlite3.assumeInstalled();
        Path db = dir.resolve("shell.db");
        try (Connection c = Db.open(db, "node-id=3")) {
            Db.exec(c, "CREATE TABLE t (id BIGINT PRIMARY KEY DEFAULT (marmot_id()), v TEXT)",
                    "INSERT INTO t (v) VALUES ('driver')");
        } finally {
            Marmot.close(db);
        }
        Sqlite3.Result shell = Sqlite3.run(db, "INSERT INTO t (v) VALUES ('shell');");
        assertNotEquals(0, shell.exitCode());
        // "unknown function: marmot_id()" from the 3.40 shell, "no such function: marmot_id" from others.
        assertTrue(shell.err().contains("function: marmot_id"), shell.err());
        assertEquals("driver", Db.text(db, "SELECT group_concat(v) FROM t"));
    }

    @Test
    void anIntegerPrimaryKeyWithTheDefaultIsRefusedSinceSqliteWouldIgnoreIt() throws Exception {
        Path db = dir.resolve("rowid.db");
        String create = "CREATE TABLE t (id INTEGER PRIMARY KEY DEFAULT (marmot_id()), v TEXT)";
        try (Connection plain = Db.plain(dir.resolve("plain.db"))) {
            // SQLite's rowid alias: the DEFAULT is never used, the key is max(rowid) + 1 (the day SQLite changes it,
            // this says so).
            Db.exec(plain, create, "INSERT INTO t (v) VALUES ('a')");
            assertEquals(1, Db.longValue(plain, "SELECT id FROM t"));
        }
        try (Connection c = Db.open(db, "node-id=3")) {
            SQLException e = assertThrows(SQLException.class, () -> Db.exec(c, create));
            assertTrue(e.getMessage().contains("table t not created") && e.getMessage().contains("id BIGINT PRIMARY KEY"
                    + " DEFAULT (marmot_id())"), e.getMessage());
            assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name = 't'"));
            c.setAutoCommit(false); // in a transaction: the statement leaves nothing, the rest commits
            Db.exec(c, "CREATE TABLE before_it (id BIGINT PRIMARY KEY DEFAULT (marmot_id()))");
            assertThrows(SQLException.class, () -> Db.exec(c, create));
            Db.exec(c, "INSERT INTO before_it DEFAULT VALUES");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name = 't'"));
            assertEquals(3, ClusterId.nodeOf(Db.longValue(c, "SELECT id FROM before_it")));
            assertEquals(1, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = 'before_it'"), "captured");
            // Keys that are not the rowid take the default: BIGINT, a composite key, a WITHOUT ROWID table.
            Db.exec(c, "CREATE TABLE big (id BIGINT PRIMARY KEY DEFAULT (marmot_id()), v TEXT)",
                    "CREATE TABLE w (id INTEGER PRIMARY KEY DEFAULT (marmot_id()), v TEXT) WITHOUT ROWID",
                    "INSERT INTO big (v) VALUES ('a')", "INSERT INTO w (v) VALUES ('a')");
            assertEquals(3, ClusterId.nodeOf(Db.longValue(c, "SELECT id FROM big")));
            assertEquals(3, ClusterId.nodeOf(Db.longValue(c, "SELECT id FROM w")));
        } finally {
            Marmot.close(db);
        }
    }
}
