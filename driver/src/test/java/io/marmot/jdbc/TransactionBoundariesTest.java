package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.fixture.TwoNodes;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where transactions begin and end is the application's, exactly as with plain sqlite-jdbc, although the driver
 * takes the write lock at a transaction's first statement: no path ends a transaction early (sqlite-jdbc runs
 * {@code executeUpdate} and statement batches without its transaction-mode hook, and a savepoint may begin the
 * transaction itself). Differences sqlite-jdbc's own suite (tools/sqlite-jdbc-suite.sh) found: TransactionTest
 * insert/rollback/multiRollback, SavepointTest insert/rollback/release/multiRollback.
 */
class TransactionBoundariesTest {
    @RegisterExtension
    final TwoNodes nodes = TwoNodes.perTest();
    Connection one;
    Connection other;
    Connection peer;

    @BeforeEach
    void open() throws Exception {
        one = nodes.connect(1);
        other = nodes.connect(1);
        peer = nodes.connect(2);
        Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
        Db.exec(peer, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER)");
    }

    private void peerHas(List<Integer> values) throws Exception {
        Await.until(Duration.ofSeconds(20), "node 2 has " + values,
                () -> Db.list(peer, "SELECT v FROM t ORDER BY v").stream().map(r -> (Integer) r.get(0)).toList()
                        .equals(values));
    }

    @Test
    void executeUpdateThenAQueryStaysInTheTransaction() throws Exception {
        one.setAutoCommit(false);
        try (Statement s = one.createStatement()) {
            assertEquals(1, s.executeUpdate("INSERT INTO t (v) VALUES (4)"));
        }
        assertEquals(1, Db.count(one, "SELECT count(*) FROM t"));
        assertEquals(0, Db.count(other, "SELECT count(*) FROM t"), "not committed yet");
        one.rollback();
        assertEquals(0, Db.count(one, "SELECT count(*) FROM t"), "the rollback took the row back");

        try (Statement s = one.createStatement()) {
            s.executeUpdate("INSERT INTO t (v) VALUES (5)");
        }
        one.commit();
        assertEquals(1, Db.count(other, "SELECT count(*) FROM t"));
        peerHas(List.of(5));
    }

    @Test
    void aBatchOfStatementsThenAQueryStaysInTheTransaction() throws Exception {
        one.setAutoCommit(false);
        try (Statement s = one.createStatement()) {
            s.addBatch("INSERT INTO t (v) VALUES (2)");
            s.addBatch("INSERT INTO t (v) VALUES (3)");
            s.executeBatch();
        }
        assertEquals(2, Db.count(one, "SELECT count(*) FROM t"));
        assertEquals(0, Db.count(other, "SELECT count(*) FROM t"), "not committed yet");
        one.rollback();
        assertEquals(0, Db.count(one, "SELECT count(*) FROM t"));
    }

    @Test
    void aSavepointInAutoCommitModeBeginsTheTransactionAndItsReleaseCommits() throws Exception {
        Savepoint outer = one.setSavepoint("outer_sp");
        Db.exec(one, "INSERT INTO t (v) VALUES (4)");
        Savepoint inner = one.setSavepoint("inner_sp");
        Db.exec(one, "INSERT INTO t (v) VALUES (5)");
        assertEquals(2, Db.count(one, "SELECT count(*) FROM t"));
        assertEquals(0, Db.count(other, "SELECT count(*) FROM t"), "not committed yet");
        one.releaseSavepoint(inner);
        assertEquals(0, Db.count(other, "SELECT count(*) FROM t"), "still inside the outer savepoint");
        one.releaseSavepoint(outer);
        assertEquals(2, Db.count(other, "SELECT count(*) FROM t"), "releasing the outermost savepoint commits");
        peerHas(List.of(4, 5));
    }

    @Test
    void rollingBackToASavepointKeepsWhatCameBefore() throws Exception {
        Savepoint first = one.setSavepoint();
        Db.exec(one, "INSERT INTO t (v) VALUES (1)");
        one.rollback(first);
        assertEquals(0, Db.count(one, "SELECT count(*) FROM t"));
        one.commit();

        Db.exec(one, "INSERT INTO t (v) VALUES (2)"); // manual-commit mode now: the savepoint nests in it
        Savepoint sp = one.setSavepoint("later");
        Db.exec(one, "INSERT INTO t (v) VALUES (3)");
        one.rollback(sp);
        Db.exec(one, "INSERT INTO t (v) VALUES (7)");
        assertEquals(0, Db.count(other, "SELECT count(*) FROM t"), "not committed yet");
        one.commit();
        assertEquals(List.of(List.of(2), List.of(7)), Db.list(other, "SELECT v FROM t ORDER BY v"));
        peerHas(List.of(2, 7));
    }

    @Test
    void aTableNamedByAStringLiteralIsCreatedListedAndReplicated() throws Exception {
        // SQLite reads a string literal where a name is expected as the name (sqlite-jdbc's getTablesWithEscape).
        Db.exec(one, "CREATE TABLE 'table%with%wildcards' (id INTEGER PRIMARY KEY, c1 INTEGER)",
                "INSERT INTO \"table%with%wildcards\" (c1) VALUES (42)");
        String escape = one.getMetaData().getSearchStringEscape();
        try (var rs = one.getMetaData().getTables(null, null, "table" + escape + "%with" + escape + "%wildcards", null)) {
            rs.next();
            assertEquals("table%with%wildcards", rs.getString("TABLE_NAME"));
        }
        Await.until(Duration.ofSeconds(20), "node 2 has the table and its row", () -> {
            try {
                return Db.count(peer, "SELECT count(*) FROM \"table%with%wildcards\" WHERE c1 = 42") == 1;
            } catch (SQLException noTableYet) {
                return false;
            }
        });
    }
}
