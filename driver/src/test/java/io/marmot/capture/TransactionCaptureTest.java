package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Only committed changes reach the change log, grouped by transaction, in commit order. */
class TransactionCaptureTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("tx.db")
            .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    /** A logged row's change group: the group end (marker) that follows it; NULL while its group is open. */
    static final String GROUP = "(SELECT min(m.seq) FROM __marmot_log m WHERE m.seq > l.seq AND m.op & 15 = "
            + ChangeLog.GROUP_END + ")";

    private List<List<Object>> opsAndKeys() throws SQLException {
        return Db.list(c, "SELECT op & 15, c0 FROM __marmot_log WHERE tbl = 't' ORDER BY seq");
    }

    @Test
    void rollbackLeavesNoTrace() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (1, 'kept', 1)");
        long before = Db.count(c, "SELECT count(*) FROM __marmot_log");
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (2, 'gone', 2)", "UPDATE t SET name = 'changed' WHERE id = 1",
                "DELETE FROM t WHERE id = 1");
        assertEquals(before + 3, Db.count(c, "SELECT count(*) FROM __marmot_log"), "visible inside the transaction");
        c.rollback();
        c.setAutoCommit(true);
        assertEquals(before, Db.count(c, "SELECT count(*) FROM __marmot_log"));
        assertEquals(List.of(List.of(1, 1)), opsAndKeys());
        try (Connection other = Db.plain(db)) {
            assertEquals(before, Db.count(other, "SELECT count(*) FROM __marmot_log"));
        }
    }

    @Test
    void rollbackBySqlLeavesNoTrace() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (2, 'gone', 2)");
        c.rollback();
        Db.exec(c, "INSERT INTO t VALUES (3, 'kept', 3)");
        c.commit();
        assertEquals(List.of(List.of(1, 3)), opsAndKeys());
    }

    @Test
    void aFailedStatementLeavesNoTraceOfItself() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)");
        assertThrows(SQLException.class, () -> Db.exec(c, "INSERT INTO t VALUES (2, 'b', 2), (1, 'dup', 3)"));
        Db.exec(c, "INSERT INTO t VALUES (4, 'd', 4)");
        c.commit();
        assertEquals(List.of(List.of(1, 1), List.of(1, 4)), opsAndKeys());
    }

    @Test
    void rollbackToSavepointRemovesOnlyItsChanges() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'before', 1)");
        Savepoint sp = c.setSavepoint("sp");
        Db.exec(c, "INSERT INTO t VALUES (2, 'undone', 2)", "UPDATE t SET name = 'undone' WHERE id = 1");
        c.rollback(sp);
        Db.exec(c, "INSERT INTO t VALUES (3, 'after', 3)");
        Savepoint kept = c.setSavepoint();
        Db.exec(c, "UPDATE t SET n = 30 WHERE id = 3");
        c.releaseSavepoint(kept);
        c.commit();
        c.setAutoCommit(true);
        assertEquals(List.of(List.of(1, 1), List.of(1, 3), List.of(2, 3)), opsAndKeys());
        assertEquals("before", Db.scalar(c, "SELECT c1 FROM __marmot_log WHERE tbl = 't' AND c0 = 1"));
        assertEquals(30, Db.longValue(c, "SELECT c2 FROM __marmot_log WHERE tbl = 't' AND op & 15 = 2"));
        assertEquals(1, Db.count(c, "SELECT count(DISTINCT " + GROUP + ") FROM __marmot_log l WHERE tbl = 't'"));
    }

    @Test
    void sqlSavepointsToo() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)", "SAVEPOINT inner_work", "INSERT INTO t VALUES (2, 'b', 2)",
                "ROLLBACK TO inner_work", "RELEASE inner_work", "INSERT INTO t VALUES (3, 'c', 3)");
        c.commit();
        assertEquals(List.of(List.of(1, 1), List.of(1, 3)), opsAndKeys());
    }

    @Test
    void preparedBatchIsCaptured() throws Exception {
        int rows = 500;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, name, n) VALUES (?, ?, ?)")) {
            for (int i = 1; i <= rows; i++) {
                ps.setInt(1, i);
                ps.setString(2, "row " + i);
                ps.setLong(3, i * 1000L);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        assertEquals(rows, Db.logCount(c, "t"));
        assertEquals(0, Db.count(c, "SELECT count(*) FROM t JOIN __marmot_log l ON l.tbl = 't' AND l.c0 = t.id"
                + " WHERE l.op & 15 <> 1 OR l.c1 IS NOT t.name OR l.c2 IS NOT t.n"));
    }

    @Test
    void batchesInATransactionAreCaptured() throws Exception {
        c.setAutoCommit(false);
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO t (id, name) VALUES (?, ?)");
                PreparedStatement upd = c.prepareStatement("UPDATE t SET n = ? WHERE id = ?")) {
            for (int i = 1; i <= 50; i++) {
                ins.setInt(1, i);
                ins.setString(2, "r" + i);
                ins.addBatch();
            }
            ins.executeBatch();
            for (int i = 1; i <= 50; i += 2) {
                upd.setInt(1, -i);
                upd.setInt(2, i);
                upd.addBatch();
            }
            upd.executeBatch();
        }
        try (Statement s = c.createStatement()) {
            s.addBatch("DELETE FROM t WHERE id = 2");
            s.addBatch("DELETE FROM t WHERE id = 4");
            s.executeBatch();
        }
        c.commit();
        assertEquals(50, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = 't' AND op & 15 = 1"));
        assertEquals(25, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = 't' AND op & 15 = 2 AND c2 = -c0"));
        assertEquals(List.of(List.of(2), List.of(4)),
                Db.list(c, "SELECT c0 FROM __marmot_log WHERE tbl = 't' AND op & 15 = 3 ORDER BY seq"));
        assertEquals(1, Db.count(c, "SELECT count(DISTINCT " + GROUP + ") FROM __marmot_log l WHERE tbl = 't'"));
    }

    @Test
    void aTransactionsRowsShareOneTxAndTheNextGetsAnother() throws Exception {
        Db.exec(c, "CREATE TABLE other (k TEXT PRIMARY KEY, v)");
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)", "INSERT INTO t VALUES (2, 'b', 2)",
                "INSERT INTO other VALUES ('x', 1)", "UPDATE t SET n = 10 WHERE id = 1", "DELETE FROM t WHERE id = 2");
        c.commit();
        Db.exec(c, "INSERT INTO t VALUES (3, 'c', 3)", "UPDATE other SET v = 2");
        c.commit();
        Db.exec(c, "INSERT INTO t VALUES (4, 'd', 4)");
        c.commit();
        c.setAutoCommit(true);

        List<List<Object>> groups = Db.list(c,
                "SELECT " + GROUP + " AS g, count(*), min(seq), max(seq) FROM __marmot_log l WHERE op & 15 < "
                        + ChangeLog.GROUP_END + " GROUP BY g ORDER BY min(seq)");
        assertEquals(3, groups.size(), () -> "three transactions, three groups: " + groups);
        assertEquals(5L, ((Number) groups.get(0).get(1)).longValue());
        assertEquals(2L, ((Number) groups.get(1).get(1)).longValue());
        assertEquals(1L, ((Number) groups.get(2).get(1)).longValue());
        for (int i = 1; i < groups.size(); i++) {
            assertNotEquals(groups.get(i - 1).get(0), groups.get(i).get(0));
            assertTrue(((Number) groups.get(i - 1).get(3)).longValue() < ((Number) groups.get(i).get(2)).longValue(),
                    "groups do not interleave");
        }
    }

    @Test
    void autoCommitAfterATransactionIsAnotherGroup() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)");
        c.commit();
        c.setAutoCommit(true);
        Db.exec(c, "INSERT INTO t VALUES (2, 'b', 2)");
        List<List<Object>> tx = Db.list(c, "SELECT " + GROUP + " FROM __marmot_log l WHERE tbl = 't' ORDER BY seq");
        assertNotNull(tx.get(0).get(0), "the transaction's group ended at its commit");
        assertNull(tx.get(1).get(0), "an auto-commit statement is in the open group, until the engine ends it");
    }

    @Test
    void setAutoCommitTrueCommitsAndClosesTheGroup() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)");
        c.setAutoCommit(true); // commits, as JDBC says
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (2, 'b', 2)");
        c.commit();
        c.setAutoCommit(true);
        List<List<Object>> tx = Db.list(c, "SELECT " + GROUP + " FROM __marmot_log l WHERE tbl = 't' ORDER BY seq");
        assertEquals(2, tx.size());
        assertNotNull(tx.get(0).get(0));
        assertNotEquals(tx.get(0), tx.get(1));
        try (Connection other = Db.plain(db)) {
            assertEquals(2, Db.logCount(other, "t"), "both committed");
        }
    }

    @Test
    void versionsAreUniqueAndIncreaseInCommitOrder() throws Exception {
        for (int i = 1; i <= 200; i++) {
            Db.update(c, "INSERT INTO t VALUES (?, ?, ?)", i, "r", i);
        }
        try (Connection plain = Db.plain(db)) {
            ChangeLog.closeGroup(plain); // what this capture-only engine's schema watcher has not ended yet
        }
        List<Long> versions = versions();
        assertEquals(200, versions.size());
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i) > versions.get(i - 1), "versions strictly increase in commit order");
        }
        long firstMs = versions.get(0) >> 16;
        assertTrue(Math.abs(System.currentTimeMillis() - firstMs) < 60_000, "a version carries the wall clock in ms << 16");
    }

    @Test
    void aTransactionsRowsAreStampedByTheReadingTakenAtItsCommit() throws Exception {
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)", "INSERT INTO t VALUES (2, 'b', 2)");
        long beforeCommit = System.currentTimeMillis();
        Thread.sleep(5); // the rows were written before this; their stamp is taken after it, at the commit
        Db.exec(c, "UPDATE t SET n = 3 WHERE id = 1");
        c.commit();
        c.setAutoCommit(true);
        List<List<Object>> markers = Db.list(c, "SELECT mask FROM __marmot_log WHERE op & 15 = " + ChangeLog.GROUP_END);
        assertEquals(1, markers.size(), "one group end for the transaction: " + markers);
        long stamp = ((Number) markers.get(0).get(0)).longValue();
        assertTrue(stamp >> 16 >= beforeCommit, "the stamp is the clock at the commit");
        assertEquals(List.of(List.of(1, 0), List.of(1, 0), List.of(2, 1)), Db.list(c, "SELECT op & 15, mask IS NOT NULL FROM"
                + " __marmot_log WHERE op & 15 < " + ChangeLog.GROUP_END + " ORDER BY seq"),
                "the triggers take no reading (the log has no column for one): only an update has a mask");
        assertEquals(List.of(stamp, stamp + 1, stamp + 2), versions(), "the rows take the stamp, in log order");
    }

    @Test
    void versionsKeepIncreasingWhenTheWallClockStepsBack() throws Exception {
        c.setAutoCommit(false);
        for (int i = 1; i <= 5; i++) {
            Db.update(c, "INSERT INTO t VALUES (?, ?, ?)", i, "r", i);
            c.commit();
        }
        c.setAutoCommit(true);
        // What the group ends record after the clock was set back an hour.
        Db.exec(c, "UPDATE __marmot_log SET mask = mask - (3600000 << 16) WHERE op & 15 = " + ChangeLog.GROUP_END
                + " AND seq > (SELECT seq FROM __marmot_log WHERE c0 = 3)");
        List<List<Object>> raw = Db.list(c, "SELECT mask FROM __marmot_log WHERE op & 15 = " + ChangeLog.GROUP_END + " ORDER BY seq");
        assertEquals(5, raw.size(), () -> "one group end per transaction: " + raw);
        assertTrue(((Number) raw.get(2).get(0)).longValue() < ((Number) raw.get(1).get(0)).longValue(),
                () -> "the clock readings step back an hour at the third transaction: " + raw);
        List<Long> versions = versions();
        assertEquals(5, versions.size(), () -> "a version for every logged change: " + versions);
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i) > versions.get(i - 1), "later changes still get greater versions: " + versions);
        }
    }

    private List<Long> versions() throws Exception {
        List<Long> out = new java.util.ArrayList<>();
        try (Connection plain = Db.plain(db)) {
            new io.marmot.capture.LoggedChanges().read(plain, io.marmot.capture.LogPosition.START,
                    (seq, version, group, change) -> out.add(version));
        }
        return out;
    }

    /**
     * The log's reader asks for a row's table name only where it differs from the name it binds (the last table of
     * its previous read): rows of tables interleaved, read again by the same reader, must each name their own table.
     */
    @Test
    void rowsOfInterleavedTablesNameTheirTablesOnEveryRead() throws Exception {
        Db.exec(c, "CREATE TABLE other (k TEXT PRIMARY KEY, v)");
        c.setAutoCommit(false);
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)", "INSERT INTO other VALUES ('x', 1)", "INSERT INTO t VALUES (2, 'b', 2)",
                "INSERT INTO t VALUES (3, 'c', 3)", "INSERT INTO other VALUES ('y', 2)");
        c.commit();
        c.setAutoCommit(true);
        List<String> expected = List.of("t 1", "other x", "t 2", "t 3", "other y");
        try (Connection plain = Db.plain(db)) {
            LoggedChanges reader = new LoggedChanges();
            for (int read = 0; read < 3; read++) { // binds nothing, then "other" (the last read's last), then again
                List<String> named = new java.util.ArrayList<>();
                reader.read(plain, LogPosition.START, (seq, version, group, change) ->
                        named.add(change.table().name() + " " + change.values()[0]));
                assertEquals(expected, named, "read " + read);
            }
            List<String> firstTwo = new java.util.ArrayList<>();
            reader.read(plain, LogPosition.START, (seq, version, group, change) ->
                    firstTwo.add(change.table().name()) && firstTwo.size() < 2);
            assertEquals(List.of("t", "other"), firstTwo); // stopped at "other": the next read binds it
            List<String> all = new java.util.ArrayList<>();
            reader.read(plain, LogPosition.START, (seq, version, group, change) ->
                    all.add(change.table().name() + " " + change.values()[0]));
            assertEquals(expected, all);
            reader.close();
        }
    }

    @Test
    void updateKeepingTheKeyLogsOneUpdate() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)", "UPDATE t SET name = 'b', n = NULL WHERE id = 1");
        List<Map<String, Object>> log = Db.log(c, "t");
        assertEquals(2, log.size());
        assertEquals(2, log.get(1).get("op"));
        assertEquals(1, log.get(1).get("c0"));
        assertEquals("b", log.get(1).get("c1"));
        assertNull(log.get(1).get("c2"));
    }

    @Test
    void updateChangingTheKeyLogsDeleteOfOldKeyThenInsertOfTheNew() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 10)");
        Db.exec(c, "UPDATE t SET id = 2, name = 'moved' WHERE id = 1");
        List<Map<String, Object>> log = Db.log(c, "t");
        assertEquals(3, log.size(), () -> log.toString());
        Map<String, Object> delete = log.get(1);
        Map<String, Object> update = log.get(2);
        assertEquals(3, delete.get("op"));
        assertEquals(1, delete.get("c0"), "the old key");
        assertNull(delete.get("c1"), "a delete keeps only the key");
        assertNull(delete.get("c2"));
        assertEquals(1, update.get("op"), "a row under a new key is a new row: every column, not only the changed ones");
        assertEquals(2, update.get("c0"));
        assertEquals("moved", update.get("c1"));
        assertEquals(10, update.get("c2"));
        assertEquals(delete.get("tx"), update.get("tx"));
    }

    @Test
    void deleteLogsTheKeyOnly() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (7, 'x', 70)", "DELETE FROM t WHERE id = 7");
        Map<String, Object> delete = Db.log(c, "t").get(1);
        assertEquals(3, delete.get("op"));
        assertEquals(7, delete.get("c0"));
        assertNull(delete.get("c1"));
        assertNull(delete.get("c2"));
        assertNull(delete.get("rid"));
    }

    @Test
    void upsertAndReplaceAreCaptured() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (1, 'a', 1)");
        Db.exec(c, "INSERT INTO t VALUES (1, 'b', 2) ON CONFLICT (id) DO UPDATE SET name = excluded.name, n = excluded.n");
        Db.exec(c, "INSERT OR REPLACE INTO t VALUES (1, 'c', 3)");
        Db.exec(c, "REPLACE INTO t VALUES (2, 'd', 4)");
        List<List<Object>> rows = Db.list(c, "SELECT op & 15, c0, c1, c2 FROM __marmot_log WHERE tbl = 't' ORDER BY seq");
        List<Object> last = rows.get(rows.size() - 1);
        assertEquals(List.of(1, 2, "d", 4), last);
        assertEquals(List.of(2, 1, "b", 2), rows.get(1));
        // The row as it ended up is in the log, whatever ops SQLite's REPLACE chose.
        assertEquals(List.of(1, "c", 3), new ArrayList<>(rows.get(rows.size() - 2).subList(1, 4)));
    }

    @Test
    void updateCountsDoNotIncludeTheChangeLogRows() throws Exception {
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO t VALUES (?, 'x', 0)")) {
            ins.setInt(1, 1);
            assertEquals(1, ins.executeUpdate());
        }
        try (PreparedStatement upd = c.prepareStatement("UPDATE t SET id = ? WHERE id = ?")) {
            upd.setInt(1, 2);
            upd.setInt(2, 1);
            assertEquals(1, upd.executeUpdate(), "a key change logs two rows but changed one");
        }
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO t VALUES (3, 'y', 0)");
            assertEquals(1, s.getUpdateCount());
            s.addBatch("UPDATE t SET n = 1");
            s.addBatch("DELETE FROM t WHERE id = 3");
            assertEquals(List.of(2, 1), java.util.Arrays.stream(s.executeBatch()).boxed().toList());
        }
    }

    @Test
    void statementExecuteUpdateCountsOnlyTheUsersRows() throws Exception {
        try (Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("INSERT INTO t VALUES (1, 'x', 0)"));
            assertEquals(1, s.executeUpdate("UPDATE t SET id = 2 WHERE id = 1"));
            assertEquals(1, s.executeLargeUpdate("DELETE FROM t WHERE id = 2"));
            assertEquals(0, s.executeUpdate("CREATE TABLE other (x)"));
            assertEquals(0, s.executeUpdate("DELETE FROM t WHERE id = 99"));
        }
    }

    @Test
    void changesFromSeveralConnectionsAreAllCaptured() throws Exception {
        try (Connection second = Db.open(db)) {
            second.setAutoCommit(false);
            Db.exec(second, "INSERT INTO t VALUES (1, 'second', 1)");
            second.commit();
            Db.exec(c, "INSERT INTO t VALUES (2, 'first', 2)");
            Db.exec(second, "INSERT INTO t VALUES (3, 'second', 3)");
            second.rollback();
        }
        assertEquals(List.of(List.of(1, 1), List.of(1, 2)), opsAndKeys());
    }
}
