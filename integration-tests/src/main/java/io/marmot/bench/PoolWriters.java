package io.marmot.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ten writers through a HikariCP pool of ten, each transaction one autocommit insert on a connection borrowed for
 * it: transactions per second and the p99 of a transaction (borrow, insert, commit, return), for plain sqlite-jdbc,
 * the copy-only triggers and the driver, interleaved per repetition like {@link FloorWrites}.
 */
final class PoolWriters {
    static final int THREADS = 10;

    private PoolWriters() {
    }

    /** Per variant (plain, floor, marmot): tx/s of each run and p99 (ms) of each run; the first round is warm-up. */
    static double[][][] measure(Path dir, FloorWrites writes, boolean replicating, int perThread, int runs)
            throws Exception {
        double[][][] out = new double[3][2][runs];
        for (int r = 0; r < runs + 1; r++) {
            for (FloorWrites.Variant v : FloorWrites.Variant.values()) {
                double[] m = run(dir, writes, replicating, v, perThread, r);
                if (r > 0) {
                    out[v.ordinal()][0][r - 1] = m[0];
                    out[v.ordinal()][1][r - 1] = m[1];
                }
            }
        }
        return out;
    }

    private static double[] run(Path dir, FloorWrites writes, boolean replicating, FloorWrites.Variant v, int perThread,
            int round) throws Exception {
        int n = 700_000 + round * 10 + v.ordinal() + (replicating ? 5 : 0);
        Path db = dir.resolve("pool-" + n + ".db");
        Path peerDb = dir.resolve("pool-peer-" + n + ".db");
        boolean withPeer = replicating && v == FloorWrites.Variant.MARMOT;
        String url = writes.url(v, db, n, false);
        Connection peer = withPeer ? DriverManager.getConnection(writes.url(v, peerDb, n, true)) : null;
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(v == FloorWrites.Variant.MARMOT ? url : url + "?synchronous=NORMAL");
        hc.setMaximumPoolSize(THREADS);
        hc.setMinimumIdle(THREADS);
        hc.setConnectionInitSql("PRAGMA busy_timeout = 10000");
        hc.setPoolName("bench-pool-" + n);
        try (Connection first = DriverManager.getConnection(url)) {
            FloorWrites.prepare(first, v);
            if (peer != null) {
                FloorWrites.prepare(peer, v);
            }
        }
        long[] latencies = new long[THREADS * perThread];
        double seconds;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            List<Future<?>> done = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long s = System.nanoTime();
                        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO bench (id, node, payload, data) VALUES (?, 1, ?, NULL)")) {
                            ps.setLong(1, thread * 1_000_000L + i + 1);
                            ps.setString(2, BenchNode.PAYLOAD);
                            ps.executeUpdate();
                        }
                        latencies[thread * perThread + i] = System.nanoTime() - s;
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            if (peer != null) {
                FloorWrites.awaitQuery(peer, "SELECT count(*) FROM bench", (long) THREADS * perThread);
            }
        } finally {
            pool.shutdownNow();
            if (peer != null) {
                peer.close();
            }
            if (v == FloorWrites.Variant.MARMOT) {
                io.marmot.Marmot.close(db);
                if (withPeer) {
                    io.marmot.Marmot.close(peerDb);
                    writes.dropStream(n);
                }
            }
        }
        Arrays.sort(latencies);
        return new double[] {latencies.length / seconds, Stats.percentile(latencies, 99) / 1e6};
    }
}
