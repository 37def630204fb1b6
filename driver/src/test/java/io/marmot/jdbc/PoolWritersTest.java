package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.marmot.Marmot;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many writers through a pool wait for the write lock in turn (WriteLockQueue): every transaction lands and is
 * captured, with a writer outside the driver (as another process would be, telling no one when it commits) among them.
 */
class PoolWritersTest {
    private static final int THREADS = 10;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        Marmot.closeAll();
    }

    @Test
    void tenPooledWritersAndAnOutsideWriterAllLandAndAreCaptured() throws Exception {
        Path db = dir.resolve("pool.db");
        String url = MarmotDriver.PREFIX + db + "?node-id=5&publish=false&replicate=false";
        try (HikariDataSource ds = pool(url)) {
            try (Connection c = ds.getConnection()) {
                Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT)");
            }
            ExecutorService ex = Executors.newFixedThreadPool(THREADS + 1);
            try {
                List<Future<long[]>> writers = new ArrayList<>();
                for (int w = 0; w < THREADS; w++) {
                    int writer = w;
                    // half of each writer's transactions autocommit, half explicit (the write lock taken first)
                    writers.add(ex.submit(() -> write(ds::getConnection, writer, 200)));
                }
                Future<long[]> outside = ex.submit(() -> write(() -> DriverManager.getConnection("jdbc:sqlite:" + db
                        + "?busy_timeout=30000"), THREADS, 50));
                for (Future<long[]> f : writers) {
                    f.get(120, TimeUnit.SECONDS);
                }
                outside.get(120, TimeUnit.SECONDS);
            } finally {
                ex.shutdownNow();
            }
            try (Connection c = ds.getConnection()) {
                assertEquals(THREADS * 200L + 50, Db.longValue(c, "SELECT count(*) FROM t"));
                for (int w = 0; w <= THREADS; w++) {
                    assertEquals(w < THREADS ? 200L : 50L, Db.longValue(c, "SELECT count(*) FROM t WHERE writer = " + w),
                            "rows of writer " + w);
                }
                assertEquals(THREADS * 200L + 50, Db.logCount(c, "t"), "every row captured");
            }
        }
    }

    /**
     * Not a check: prints transactions per second and latencies of ten pooled writers, plain sqlite-jdbc beside the
     * driver (capture only), in one run. {@code mvn ... -Dtest=PoolWritersTest -Dmarmot.measure=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "marmot.measure", matches = "true")
    void measure() throws Exception {
        for (int run = 0; run < 3; run++) {
            for (boolean marmot : new boolean[] {false, true}) {
                Path db = dir.resolve((marmot ? "m" : "p") + run + ".db");
                String url = marmot ? MarmotDriver.PREFIX + db + "?node-id=5&publish=false&replicate=false&synchronous=NORMAL"
                        : "jdbc:sqlite:" + db + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=30000";
                try (HikariDataSource ds = pool(url)) {
                    try (Connection c = ds.getConnection()) {
                        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT)");
                    }
                    ExecutorService ex = Executors.newFixedThreadPool(THREADS);
                    List<Future<long[]>> writers = new ArrayList<>();
                    long t0 = System.nanoTime();
                    for (int w = 0; w < THREADS; w++) {
                        int writer = w;
                        writers.add(ex.submit(() -> write(ds::getConnection, writer, 1000)));
                    }
                    List<Long> all = new ArrayList<>();
                    for (Future<long[]> f : writers) {
                        Arrays.stream(f.get(300, TimeUnit.SECONDS)).forEach(all::add);
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    ex.shutdown();
                    all.sort(null);
                    System.out.printf("%s run %d: %.0f tx/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                            marmot ? "marmot" : "plain ", run, all.size() / secs, all.get(all.size() / 2) / 1e6,
                            all.get((int) (all.size() * 0.99)) / 1e6, all.get(all.size() - 1) / 1e6);
                }
                Marmot.closeAll();
            }
        }
    }

    private static HikariDataSource pool(String url) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(THREADS);
        return new HikariDataSource(hc);
    }

    private interface Opener {
        Connection open() throws SQLException;
    }

    /** {@code count} 1-row transactions, every other one explicit; returns each one's nanoseconds. */
    private static long[] write(Opener opener, int writer, int count) throws SQLException {
        long[] took = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            try (Connection c = opener.open();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, writer, payload) VALUES (?, ?, ?)")) {
                boolean explicit = i % 2 == 1;
                c.setAutoCommit(!explicit);
                ps.setLong(1, writer * 1_000_000L + i);
                ps.setLong(2, writer);
                ps.setString(3, "x".repeat(80));
                ps.executeUpdate();
                if (explicit) {
                    c.commit();
                    c.setAutoCommit(true);
                }
            }
            took[i] = System.nanoTime() - t0;
        }
        return took;
    }
}
