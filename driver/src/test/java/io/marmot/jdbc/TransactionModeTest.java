package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;

/**
 * The default transaction mode: a transaction holds the write lock from its first statement, so read-modify-write
 * transactions wait for other writers (the engine's among them) instead of failing with SQLITE_BUSY_SNAPSHOT; an
 * idle connection in manual-commit mode holds nothing.
 */
class TransactionModeTest {
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    private static long counter(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n FROM counter WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Reads the counter, lets another writer commit, then writes what it read plus one. */
    private static void readModifyWrite(Connection c) throws SQLException {
        long n = counter(c);
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE counter SET n = " + (n + 1) + " WHERE id = 1");
        }
        c.commit();
    }

    @Test
    void readModifyWriteLoopsOnSeveralConnectionsLoseNothingAndNeverFail() throws Exception {
        Path db = dir.resolve("rmw.db");
        readModifyWriteLoops(db, () -> Db.open(db));
    }

    @Test
    void dataSourceConnectionsTakeTheWriteLockFirstToo() throws Exception {
        // sqlite-jdbc's config always carries transaction_mode=DEFERRED; the DataSource must not pass it on as the
        // application's choice (Flyway on a MarmotDataSource failed with SQLITE_BUSY).
        Path db = dir.resolve("rmw-ds.db");
        MarmotDataSource ds = new MarmotDataSource();
        ds.setUrl(Db.url(db, "node-id=1"));
        readModifyWriteLoops(db, ds::getConnection);
    }

    private interface Opener {
        Connection open() throws SQLException;
    }

    private static void readModifyWriteLoops(Path db, Opener opener) throws Exception {
        try (Connection setup = Db.open(db)) {
            Db.exec(setup, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)", "INSERT INTO counter VALUES (1, 0)");
        }
        int threads = 4;
        int each = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(pool.submit(() -> {
                    try (Connection c = opener.open()) {
                        c.setAutoCommit(false);
                        for (int i = 0; i < each; i++) {
                            readModifyWrite(c);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = Db.open(db)) {
            assertEquals(threads * each, counter(c));
        }
    }

    @Test
    void deferredChosenByTheApplicationFailsAsWithPlainSqliteJdbc() throws Exception {
        Path db = dir.resolve("deferred.db");
        try (Connection setup = Db.open(db)) {
            Db.exec(setup, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)", "INSERT INTO counter VALUES (1, 0)");
        }
        try (Connection reader = Db.open(db, "node-id=1&transaction_mode=DEFERRED"); Connection other = Db.open(db)) {
            reader.setAutoCommit(false);
            long n = counter(reader);
            Db.exec(other, "UPDATE counter SET n = 100 WHERE id = 1");
            SQLException e = assertThrows(SQLException.class,
                    () -> Db.exec(reader, "UPDATE counter SET n = " + (n + 1) + " WHERE id = 1"));
            assertTrue(e.getMessage().contains("SQLITE_BUSY"), e.getMessage());
            reader.rollback();
        }
    }

    @Test
    void anIdleConnectionInManualCommitModeHoldsNoLock() throws Exception {
        Path db = dir.resolve("idle.db");
        try (Connection setup = Db.open(db)) {
            Db.exec(setup, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
        }
        try (Connection idle = Db.open(db); Connection writer = Db.open(db)) {
            idle.setAutoCommit(false);
            Db.exec(idle, "INSERT INTO t VALUES (1)");
            idle.commit(); // sqlite-jdbc begins the next transaction at once
            // A short wait, not none: the engine's own brief writes may hold the lock at that moment; an idle
            // connection holding it would hold it for good, and the insert would fail after the wait.
            ((SQLiteConnection) writer).setBusyTimeout(2000);
            Db.exec(writer, "INSERT INTO t VALUES (2)");
            writer.setAutoCommit(false);
            Db.exec(writer, "INSERT INTO t VALUES (3)");
            // A transaction that started its work holds the lock until it ends: the other waits for it.
            ((SQLiteConnection) idle).setBusyTimeout(0);
            assertThrows(SQLException.class, () -> counterOf(idle));
            writer.commit();
            assertEquals(3, counterOf(idle));
            idle.commit();
        }
    }

    private static long counterOf(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
