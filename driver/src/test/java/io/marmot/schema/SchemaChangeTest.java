package io.marmot.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.marmot.Marmot;
import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** CREATE TABLE and ALTER TABLE through the driver keep capture whole, in the same transaction. */
class SchemaChangeTest {
    /** Change groups of the log: its rows told apart by the group end (marker) that follows them. */
    private static final String GROUPS = "SELECT count(DISTINCT (SELECT min(m.seq) FROM __marmot_log m WHERE m.seq > l.seq"
            + " AND m.op & 15 = " + io.marmot.capture.ChangeLog.GROUP_END + ")) FROM __marmot_log l WHERE l.op & 15 < "
            + io.marmot.capture.ChangeLog.GROUP_END;

    @TempDir
    Path dir;
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("schema.db")
            // A long poll interval: what is checked here must not depend on the background watcher.
            .params("node-id=1&poll-interval=60000")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    private List<List<Object>> values(String table, int columns) throws SQLException {
        return Db.logRows(c, table, "op & 15", columns);
    }

    private static List<Object> row(Object... values) {
        return Arrays.asList(values);
    }

    @Test
    void tableCreatedThroughAStatementIsCapturedFromItsFirstRow() throws Exception {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            s.executeUpdate("INSERT INTO t VALUES (1, 'first')");
        }
        assertEquals(List.of(row(1, 1, "first")), values("t", 2));
    }

    @Test
    void tableCreatedThroughAPreparedStatementIsCapturedFromItsFirstRow() throws Exception {
        try (PreparedStatement create = c.prepareStatement("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")) {
            create.execute();
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
            insert.setInt(1, 1);
            insert.setString(2, "first");
            insert.executeUpdate();
        }
        assertEquals(List.of(row(1, 1, "first")), values("t", 2));
    }

    @Test
    void tableCreatedInsideATransactionIsCapturedInThatTransaction() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'same tx')");
        try (PreparedStatement p = c.prepareStatement("CREATE TABLE u (k TEXT PRIMARY KEY) WITHOUT ROWID")) {
            p.executeUpdate();
        }
        Db.exec(c, "INSERT INTO u VALUES ('also')");
        c.commit();
        c.setAutoCommit(true);
        assertEquals(List.of(row(1, 1, "same tx")), values("t", 2));
        assertEquals(List.of(row(1, "also")), values("u", 1));
        assertEquals(1, Db.count(c, GROUPS));
    }

    @Test
    void aTransactionThatRenamesATableItWroteReachesPeersAsTwoGroupsAroundTheRename() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'before')", "ALTER TABLE t RENAME TO u", "INSERT INTO u VALUES (2, 'after')");
        c.commit();
        c.setAutoCommit(true);
        // the row of t goes before the rename, under the name and shape it was written with; the row of u after it
        assertEquals(List.of(row("t", 1), row("u", 2)), Db.list(c, "SELECT tbl, c0 FROM __marmot_log WHERE op & 15 < "
                + io.marmot.capture.ChangeLog.GROUP_END + " ORDER BY seq"));
        assertEquals(2, Db.count(c, GROUPS));
        long rowOfT = Db.count(c, "SELECT seq FROM __marmot_log WHERE tbl = 't'");
        long rowOfU = Db.count(c, "SELECT seq FROM __marmot_log WHERE tbl = 'u'");
        long barrier = Db.count(c, "SELECT barrier FROM __marmot_ddl WHERE sql LIKE 'ALTER%RENAME%'");
        assertTrue(barrier >= rowOfT && barrier < rowOfU, "the rename goes between the rows: " + barrier);
        long groupEnd = Db.count(c, "SELECT min(seq) FROM __marmot_log WHERE op & 15 = " + io.marmot.capture.ChangeLog.GROUP_END);
        assertTrue(groupEnd > barrier && groupEnd < rowOfU, "the first group ends at the rename");
        assertEquals(1, Db.count(c, "SELECT count(*) FROM __marmot_shapes WHERE tbl = 't' AND upto = " + barrier));
    }

    @Test
    void tableCreatedInARolledBackTransactionLeavesNothing() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
        c.rollback();
        c.setAutoCommit(true);
        assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 't'"));
        assertEquals(0, Db.logCount(c, "t"));
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v)", "INSERT INTO t VALUES (2, 'again')");
        assertEquals(List.of(row(1, 2, "again")), values("t", 2));
    }

    @Test
    void createTableVariants() throws Exception {
        Db.exec(c, "-- a comment first\n/* and another */ create table if not exists \"Lower Case\" (id integer primary key, v)",
                "CREATE TABLE IF NOT EXISTS \"Lower Case\" (id INTEGER PRIMARY KEY, v)",
                "INSERT INTO \"Lower Case\" VALUES (1, 'x')");
        assertEquals(List.of(row(1, 1, "x")), values("Lower Case", 2));
    }

    @Test
    void createTableAsSelectLogsItsRows() throws Exception {
        Db.exec(c, "CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO src VALUES (1, 'a'), (2, 'b')",
                "CREATE TABLE copy AS SELECT id, v FROM src");
        assertEquals(List.of(row(1, 1, "a"), row(1, 2, "b")), values("copy", 2));
        assertEquals(List.of(1, 2), Db.list(c, "SELECT " + Db.rid(c) + " FROM __marmot_log WHERE tbl = 'copy' ORDER BY rid")
                .stream().map(r -> ((Number) r.get(0)).intValue()).toList());
    }

    @Test
    void addColumn() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)", "INSERT INTO t VALUES (1, 'a1')",
                "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7", "INSERT INTO t VALUES (2, 'a2', 20)",
                "UPDATE t SET a = 'a1x' WHERE id = 1");
        assertEquals(List.of(
                row(1, 1, "a1", null),
                row(1, 2, "a2", 20),
                row(2, 1, "a1x", 7)), values("t", 3));
    }

    @Test
    void renameColumn() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, old_name TEXT, other)", "INSERT INTO t VALUES (1, 'x', 'o')",
                "ALTER TABLE t RENAME COLUMN old_name TO new_name", "INSERT INTO t (id, new_name, other) VALUES (2, 'y', 'p')",
                "UPDATE t SET new_name = 'z' WHERE id = 1");
        assertEquals(List.of(
                row(1, 1, "x", "o"),
                row(1, 2, "y", "p"),
                row(2, 1, "z", "o")), values("t", 3));
    }

    @Test
    void dropColumn() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, gone TEXT, b TEXT)", "INSERT INTO t VALUES (1, 'a', 'g', 'b')",
                "ALTER TABLE t DROP COLUMN gone", "INSERT INTO t VALUES (2, 'a2', 'b2')", "DELETE FROM t WHERE id = 1");
        assertEquals(List.of(
                row(1, 1, "a", "g", "b"),
                row(1, 2, "a2", "b2", null),
                row(3, 1, null, null, null)), values("t", 4));
    }

    @Test
    void alterThroughAPreparedStatementInsideATransaction() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, drop_me TEXT)");
        c.setAutoCommit(false);
        try (PreparedStatement add = c.prepareStatement("ALTER TABLE t ADD COLUMN b TEXT");
                PreparedStatement drop = c.prepareStatement("ALTER TABLE t DROP COLUMN drop_me")) {
            add.executeUpdate();
            drop.executeUpdate();
        }
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 'b')");
        c.commit();
        c.setAutoCommit(true);
        assertEquals(List.of(row(1, 1, "a", "b")), values("t", 3));
    }

    @Test
    void alterOfATableWithAnOddName() throws Exception {
        Db.exec(c, "CREATE TABLE \"my \"\"odd\"\" table\" (\"key col\" TEXT PRIMARY KEY, \"it's\" TEXT)",
                "ALTER TABLE \"my \"\"odd\"\" table\" ADD COLUMN \"new \"\"col\"\"\" INTEGER",
                "ALTER TABLE \"my \"\"odd\"\" table\" RENAME COLUMN \"it's\" TO \"it is\"",
                "INSERT INTO \"my \"\"odd\"\" table\" VALUES ('k', 'v', 3)",
                "ALTER TABLE [my \"odd\" table] DROP COLUMN \"it is\"",
                "INSERT INTO \"my \"\"odd\"\" table\" VALUES ('k2', 4)");
        assertEquals(List.of(row(1, "k", "v", 3), row(1, "k2", 4, null)), values("my \"odd\" table", 3));
    }

    @Test
    void renameTable() throws Exception {
        Db.exec(c, "CREATE TABLE before_name (id INTEGER PRIMARY KEY, v)", "INSERT INTO before_name VALUES (1, 'x')",
                "ALTER TABLE before_name RENAME TO after_name", "INSERT INTO after_name VALUES (2, 'y')");
        assertEquals(List.of(row(1, 1, "x")), values("before_name", 2));
        assertEquals(List.of(row(1, 2, "y")), values("after_name", 2));
        assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%before_name%'"),
                "no trigger of the old name is left");
    }

    @Test
    void tableWidenedBeyondTheLogsWidth() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
        for (int i = 1; i <= 24; i++) {
            Db.exec(c, "ALTER TABLE t ADD COLUMN col" + i + " INTEGER");
        }
        Db.exec(c, "INSERT INTO t (id, col24) VALUES (1, 2424)");
        Map<String, Object> logged = Db.log(c, "t").get(0);
        assertEquals(1, logged.get("c0"));
        assertEquals(2424, logged.get("c24"));
        assertNull(logged.get("c23"));
    }

    @Test
    void droppedAndRecreatedTableIsCapturedInItsNewShape() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v)", "INSERT INTO t VALUES (1, 'old')", "DROP TABLE t",
                "CREATE TABLE t (k TEXT, x, y, PRIMARY KEY (k, x))", "INSERT INTO t VALUES ('k', 1, 'new')");
        assertEquals(List.of(row(1, 1, "old", null), row(1, "k", 1, "new")), values("t", 3));
    }

    @Test
    void aFailedAlterLeavesCaptureInPlace() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
        assertThrows(SQLException.class, () -> Db.exec(c, "ALTER TABLE t ADD COLUMN a TEXT"));
        Db.exec(c, "INSERT INTO t VALUES (1, 'after autocommit failure')");
        c.setAutoCommit(false);
        assertThrows(SQLException.class, () -> Db.exec(c, "ALTER TABLE t DROP COLUMN no_such_column"));
        Db.exec(c, "INSERT INTO t VALUES (2, 'after failure in a transaction')");
        c.commit();
        c.setAutoCommit(true);
        assertEquals(List.of(row(1, 1, "after autocommit failure"), row(1, 2, "after failure in a transaction")),
                values("t", 2));
    }

    @Test
    void ddlInAStatementBatch() throws Exception {
        try (Statement s = c.createStatement()) {
            s.addBatch("CREATE TABLE a (id INTEGER PRIMARY KEY)");
            s.addBatch("CREATE TABLE b (id INTEGER PRIMARY KEY, v)");
            s.addBatch("INSERT INTO a VALUES (1)");
            s.executeBatch();
            s.addBatch("ALTER TABLE b ADD COLUMN w");
            s.addBatch("INSERT INTO b VALUES (1, 'v', 'w')");
            s.executeBatch();
        }
        assertEquals(List.of(row(1, 1)), values("a", 1));
        assertEquals(List.of(row(1, 1, "v", "w")), values("b", 3));
    }

    @Test
    void ddlAndDmlInAStatementBatchInsideATransaction() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)", "INSERT INTO t VALUES (1, 'old')");
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO t VALUES (2, 'before alter')");
            s.addBatch("ALTER TABLE t ADD COLUMN b TEXT");
            s.addBatch("INSERT INTO t VALUES (3, 'after alter', 'b')");
            s.addBatch("CREATE TABLE u (k TEXT PRIMARY KEY)");
            s.addBatch("INSERT INTO u VALUES ('new table')");
            int[] counts = s.executeBatch();
            assertEquals(List.of(1, 0, 1, 0, 1), Arrays.stream(counts).boxed().toList());
        }
        c.commit();
        c.setAutoCommit(true);
        assertEquals(List.of(row(1, 1, "old", null), row(1, 2, "before alter", null), row(1, 3, "after alter", "b")),
                values("t", 3));
        assertEquals(List.of(row(1, "new table")), values("u", 1));
    }

    @Test
    void aFailingStatementInABatchWithDdlReportsTheCountsSoFar() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
        try (Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO t VALUES (1)");
            s.addBatch("ALTER TABLE t ADD COLUMN v");
            s.addBatch("INSERT INTO t VALUES (1, 'duplicate')");
            s.addBatch("INSERT INTO t VALUES (2, 'never run')");
            java.sql.BatchUpdateException e = assertThrows(java.sql.BatchUpdateException.class, s::executeBatch);
            assertEquals(List.of(1, 0), Arrays.stream(e.getUpdateCounts()).boxed().toList());
        }
        assertEquals(List.of(row(1, 1, null)), values("t", 2));
    }

    @Test
    void tempVirtualAndShadowTablesAreNotCaptured() throws Exception {
        Db.exec(c, "CREATE TEMP TABLE scratch (id INTEGER PRIMARY KEY, v)", "INSERT INTO scratch VALUES (1, 'temp')",
                "CREATE VIRTUAL TABLE docs USING fts5(body)", "INSERT INTO docs VALUES ('full text')",
                "CREATE TABLE real_one (id INTEGER PRIMARY KEY)", "INSERT INTO real_one VALUES (1)");
        assertEquals(List.of(List.of("real_one")), Db.list(c, "SELECT DISTINCT tbl FROM __marmot_log"));
        assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'docs%'"));
    }

    @Test
    void ddlThroughTheDriverWhileOthersChangeTheSchema() throws Exception {
        Path busy = dir.resolve("busy.db");
        try (Connection app = Db.open(busy, "node-id=4&poll-interval=1")) {
            Db.exec(app, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CompletableFuture<Integer> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                // Another program creating tables: the watcher keeps re-installing capture (committing writes).
                int n = 0;
                try (Connection plain = java.sql.DriverManager.getConnection("jdbc:sqlite:" + busy + "?busy_timeout=10000")) {
                    while (!stop.get() && n < 200) {
                        Db.exec(plain, "CREATE TABLE other_" + n + " (id INTEGER PRIMARY KEY)");
                        n++;
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                return n;
            });
            try {
                for (int i = 0; i < 40; i++) {
                    Db.exec(app, "ALTER TABLE t ADD COLUMN c" + i, "INSERT INTO t (id, c" + i + ") VALUES (" + i + ", 'v" + i + "')");
                }
            } finally {
                stop.set(true);
            }
            other.join();
            assertEquals(40, Db.logCount(app, "t"));
            assertEquals("v39", Db.scalar(app, "SELECT c40 FROM __marmot_log WHERE tbl = 't' AND c0 = 39"));
        } finally {
            Marmot.close(busy);
        }
    }

    @Test
    void excludedTablesAreNotCaptured() throws Exception {
        Path other = dir.resolve("excluded.db");
        try (Connection x = Db.open(other, "node-id=2&exclude-tables=private,scratch")) {
            Db.exec(x, "CREATE TABLE private (id INTEGER PRIMARY KEY)", "CREATE TABLE shared (id INTEGER PRIMARY KEY)",
                    "INSERT INTO private VALUES (1)", "INSERT INTO shared VALUES (1)");
            assertEquals(List.of(List.of("shared")), Db.list(x, "SELECT DISTINCT tbl FROM __marmot_log"));
        } finally {
            Marmot.close(other);
        }
    }

    @Test
    void onlyListedTablesAreCaptured() throws Exception {
        Path other = dir.resolve("listed.db");
        try (Connection x = Db.open(other, "node-id=3&tables=wanted")) {
            Db.exec(x, "CREATE TABLE wanted (id INTEGER PRIMARY KEY)", "CREATE TABLE ignored (id INTEGER PRIMARY KEY)",
                    "INSERT INTO wanted VALUES (1)", "INSERT INTO ignored VALUES (1)");
            assertEquals(List.of(List.of("wanted")), Db.list(x, "SELECT DISTINCT tbl FROM __marmot_log"));
        } finally {
            Marmot.close(other);
        }
    }
}
