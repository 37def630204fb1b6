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
import java.util.concurrent.CountDownLatch;
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
    /** Measurements made in this JVM: each has files and streams of its own. */
    private static int measures;

    private PoolWriters() {
    }

    /** What {@link #measure} gives per run: tx/s, p99 (ms), the CPU figures below, p99.9 (ms). */
    static final int TX = 0, P99 = 1, JVM_CPU = 2, MACHINE_CPU = 3, MACHINE_BUSY = 4, P999 = 5;

    /**
     * Per variant (plain, floor, marmot), per figure ({@link #TX} …), per run after {@code warmUps} rounds of warm-up
     * (the JIT compiles the publisher's and the applier's code for several rounds: 15-37 µs of a core per transaction
     * in the first 100,000 with replication on, a server's first seconds, not its steady state). The CPU
     * figures are per transaction (µs), counted from the first write until the peer held the last: this JVM's (the
     * writers, and Marmot's publisher and the peer's applier when replicating) and the whole machine's (nats-server
     * and other load too); and how busy the machine's cores were while the writers wrote (1 = all of them).
     */
    static double[][][] measure(Path dir, FloorWrites writes, int perThread, int runs,
            int warmUps) throws Exception {
        double[][][] out = new double[3][6][runs];
        int base = 700_000 + 100 * ++measures;
        for (int r = 0; r < runs + warmUps; r++) {
            for (FloorWrites.Variant v : FloorWrites.Variant.values()) {
                double[] m = run(dir, writes, v, perThread, base + r * 10);
                if (r >= warmUps) {
                    for (int f = 0; f < m.length; f++) {
                        out[v.ordinal()][f][r - warmUps] = m[f];
                    }
                }
            }
        }
        return out;
    }

    private static double[] run(Path dir, FloorWrites writes, FloorWrites.Variant v, int perThread, int round)
            throws Exception {
        int n = round + v.ordinal();
        Path db = dir.resolve("pool-" + n + ".db");
        Path peerDb = dir.resolve("pool-peer-" + n + ".db");
        boolean withPeer = writes.replicating() && v == FloorWrites.Variant.MARMOT;
        if (v == FloorWrites.Variant.MARMOT) {
            writes.useThreadPriority();
        }
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
        long cpu0;
        long[] machine0;
        long[] machine1;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (HikariDataSource ds = new HikariDataSource(hc);
                CorePinning pinning = writes.pinning()) {
            fill(ds); // an application's pool is open before its load: opening connections is not a transaction's cost
            List<Future<?>> done = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    try {
                        if (pinning != null) {
                            pinning.addWriter();
                        }
                    } finally {
                        ready.countDown(); // a failure shows at get() below, not as a wait for ever
                    }
                    go.await();
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
            ready.await(); // the threads started (and pinned) before the clock starts
            cpu0 = ProcessFigures.processCpuNanos();
            machine0 = ProcessFigures.machineTicks();
            long t0 = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            machine1 = ProcessFigures.machineTicks();
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
        long cpu = ProcessFigures.processCpuNanos() - cpu0;
        long[] machine2 = ProcessFigures.machineTicks();
        int tx = latencies.length;
        Arrays.sort(latencies);
        return new double[] {tx / seconds, Stats.percentile(latencies, 99) / 1e6, cpu / 1e3 / tx,
            (machine2[0] - machine0[0]) * 1e4 / tx, // ticks of 10 ms → µs
            (double) (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]),
            Stats.percentile(latencies, 99.9) / 1e6};
    }

    /** Holds all of the pool's connections at once, so that each is open, then returns them. */
    private static void fill(HikariDataSource ds) throws java.sql.SQLException {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < THREADS; i++) {
                held.add(ds.getConnection());
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }
}
