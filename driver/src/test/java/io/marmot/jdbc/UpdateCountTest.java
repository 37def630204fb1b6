package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Update counts are the ones plain sqlite-jdbc reports for the same statements on the same schema: the rows
 * capture writes into the change log never show, the application's own triggers do (as sqlite-jdbc counts them).
 */
class UpdateCountTest {
    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
            "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)",
            "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO audit (what) VALUES (NEW.v); END");

    @TempDir
    Path dir;
    Path db;
    Connection marmot;
    Connection plain;

    @BeforeEach
    void open() throws SQLException {
        db = dir.resolve("counts.db");
        marmot = Db.open(db);
        plain = Db.plain(dir.resolve("plain.db"));
        for (Connection c : List.of(marmot, plain)) {
            Db.exec(c, SCHEMA.toArray(String[]::new));
        }
    }

    @AfterEach
    void close() throws SQLException {
        marmot.close();
        plain.close();
        Marmot.close(db);
    }

    /** The count of {@code Statement.executeUpdate(sql)} on both connections: they must agree. */
    private long both(String sql) throws SQLException {
        long expected;
        try (Statement s = plain.createStatement()) {
            expected = s.executeUpdate(sql);
        }
        try (Statement s = marmot.createStatement()) {
            assertEquals(expected, s.executeUpdate(sql), sql);
        }
        return expected;
    }

    @Test
    void tableWithTheApplicationsOwnTrigger() throws Exception {
        assertEquals(2, both("INSERT INTO t (v) VALUES ('x1')"), "the row and the trigger's row, as sqlite-jdbc counts");
        assertEquals(4, both("INSERT INTO t (v) VALUES ('x2'), ('x3')"));
    }

    @Test
    void severalStatementsInOneString() throws Exception {
        assertEquals(1, both("INSERT INTO audit (what) VALUES ('x4'); DELETE FROM audit WHERE id = -1"));
        assertEquals(3, both("INSERT INTO audit (what) VALUES ('x5'); INSERT INTO t (v) VALUES ('x6')"));
        assertEquals(0, both("UPDATE audit SET what = 'none' WHERE id = -1; SELECT 1"));
    }

    @Test
    void updatesAndDeletes() throws Exception {
        both("INSERT INTO audit (what) VALUES ('x7'), ('x8')");
        assertEquals(2, both("UPDATE audit SET what = what || '!'"));
        assertEquals(2, both("DELETE FROM audit WHERE what LIKE 'x%'"));
        assertEquals(0, both("CREATE TABLE later (id INTEGER PRIMARY KEY)"));
        assertEquals(6, Db.logCount(marmot, "audit"), "capture logged every change all the same");
    }

    @Test
    void largeUpdates() throws Exception {
        try (Statement s = marmot.createStatement()) {
            assertEquals(2L, s.executeLargeUpdate("INSERT INTO t (v) VALUES ('large')"));
            assertEquals(1L, s.executeLargeUpdate("INSERT INTO audit (what) VALUES ('a'); DELETE FROM t WHERE id = -1"));
            assertEquals(2, s.executeUpdate("INSERT INTO t (v) VALUES ('keys')", Statement.RETURN_GENERATED_KEYS));
        }
    }

    @Test
    void threadsSharingTheConnectionEachGetTheirOwnCount() throws Exception {
        int threads = 8;
        int rounds = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Integer>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    List<Integer> counts = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) {
                        try (Statement s = marmot.createStatement()) {
                            counts.add(s.executeUpdate("INSERT INTO t (v) VALUES ('shared')"));
                        }
                    }
                    return counts;
                }));
            }
        } finally {
            pool.shutdown();
            // The connection closes after the test: no thread may still be using it then.
            assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES));
        }
        for (Future<List<Integer>> f : results) {
            assertEquals(Collections.nCopies(rounds, 2), f.get(), "every insert counted 2, whatever ran beside it");
        }
        assertEquals(2L * threads * rounds, Db.count(marmot, "SELECT count(*) FROM t") + Db.count(marmot, "SELECT count(*) FROM audit"));
        assertEquals(threads * rounds, Db.logCount(marmot, "t"));
    }

    @Test
    void preparedStatementsAndBatches() throws Exception {
        for (Connection c : List.of(plain, marmot)) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (v) VALUES (?)")) {
                ps.setString(1, "p");
                assertEquals(1, ps.executeUpdate(), "sqlite-jdbc counts the statement's own rows here");
                ps.setString(1, "q");
                ps.addBatch();
                ps.setString(1, "r");
                ps.addBatch();
                assertArrayEquals(new int[] {1, 1}, ps.executeBatch());
            }
            try (Statement s = c.createStatement()) {
                s.addBatch("INSERT INTO audit (what) VALUES ('b')");
                s.addBatch("CREATE TABLE IF NOT EXISTS extra (id INTEGER PRIMARY KEY)");
                s.addBatch("INSERT INTO extra VALUES (1), (2)");
                int[] counts = s.executeBatch();
                assertEquals(1, counts[0]);
                assertEquals(2, counts[2]);
            }
        }
        assertEquals(Db.count(plain, "SELECT count(*) FROM audit"), Db.count(marmot, "SELECT count(*) FROM audit"));
        assertEquals(3, Db.logCount(marmot, "t"), "every insert was captured");
    }
}
