package io.marmot.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Local write cost against its floor: the same workload through plain {@code jdbc:sqlite:}, through plain
 * {@code jdbc:sqlite:} with copy-only triggers (the cheapest capture by triggers in the committing transaction), and
 * through {@code jdbc:marmot:sqlite:}, each run on a fresh file, the three interleaved round-robin per repetition so
 * the machine's drift hits all alike. With replication on, the driver's writer publishes to nats-server and a peer
 * in this JVM applies every row (awaited after the timed part, before the next variant runs). Marmot's threads run at
 * the Java priority given ({@code marmot.threadPriority}): with {@code -XX:ThreadPriorityPolicy=1}, which
 * bench/run.sh sets, 1 is nice 4 and 5 the application's.
 */
final class FloorWrites {
    enum Workload {
        AUTOCOMMIT_INSERT("insert, 1 row per autocommit transaction"),
        BATCH_INSERT("insert, 1000-row batches in one transaction"),
        UPDATE("update by key, 1000 rows per transaction"),
        DELETE("delete by key, 1000 rows per transaction");

        final String label;

        Workload(String label) {
            this.label = label;
        }
    }

    enum Variant { PLAIN, FLOOR, MARMOT }

    /** AFTER INSERT/UPDATE/DELETE triggers that copy NEW (or OLD) into a plain log table and do nothing else. */
    static final String[] FLOOR_TRIGGERS = {
        "CREATE TABLE IF NOT EXISTS floor_log (op TEXT, id INTEGER, node INTEGER, payload TEXT, data BLOB)",
        "CREATE TRIGGER IF NOT EXISTS floor_i AFTER INSERT ON bench BEGIN INSERT INTO floor_log VALUES"
                + " ('i', NEW.id, NEW.node, NEW.payload, NEW.data); END",
        "CREATE TRIGGER IF NOT EXISTS floor_u AFTER UPDATE ON bench BEGIN INSERT INTO floor_log VALUES"
                + " ('u', NEW.id, NEW.node, NEW.payload, NEW.data); END",
        "CREATE TRIGGER IF NOT EXISTS floor_d AFTER DELETE ON bench BEGIN INSERT INTO floor_log VALUES"
                + " ('d', OLD.id, OLD.node, OLD.payload, OLD.data); END"};

    private final Path dir;
    private final String natsUrl;
    private final boolean replicating;
    private final String params;
    private final int threadPriority;
    /** nats-server's pid while the writer runs on a core of its own ({@link CorePinning}), else -1 */
    private final long pinnedNatsPid;
    private static int dbCounter; // across instances: every run gets a file and a stream of its own

    /**
     * @param replicating false: capture only ({@code publish=false&replicate=false}), the triggers' own cost
     * @param params more URL parameters of the marmot connections ({@code &shell-drop-column=true})
     */
    FloorWrites(Path dir, String natsUrl, boolean replicating, String params) {
        this(dir, natsUrl, replicating, params, Thread.NORM_PRIORITY);
    }

    /** @param threadPriority the Java priority of Marmot's threads while the driver's variant runs */
    FloorWrites(Path dir, String natsUrl, boolean replicating, String params, int threadPriority) {
        this(dir, natsUrl, replicating, params, threadPriority, -1);
    }

    private FloorWrites(Path dir, String natsUrl, boolean replicating, String params, int threadPriority,
            long pinnedNatsPid) {
        this.dir = dir;
        this.natsUrl = natsUrl;
        this.replicating = replicating;
        this.params = params;
        this.threadPriority = threadPriority;
        this.pinnedNatsPid = pinnedNatsPid;
    }

    /** The same runs with every variant's writers alone on the first core, all else on the second ({@link CorePinning}). */
    FloorWrites writersOnOwnCore(long natsPid) {
        return new FloorWrites(dir, natsUrl, replicating, params, threadPriority, natsPid);
    }

    /** For a run's timed part: the writers' core apart from everything else, if this instance asks for it (else null). */
    CorePinning pinning() throws java.io.IOException, InterruptedException {
        return pinnedNatsPid < 0 ? null : new CorePinning(pinnedNatsPid);
    }

    boolean replicating() {
        return replicating;
    }

    /**
     * Marmot's threads at this instance's priority before the driver's variant opens: a runtime makes its threads
     * once, so one of another priority is closed first (nothing of it is open between runs).
     */
    void useThreadPriority() {
        String wanted = Integer.toString(threadPriority);
        if (!wanted.equals(System.getProperty(io.marmot.replication.Daemons.PRIORITY_PROPERTY))) {
            io.marmot.Marmot.closeAll();
            System.setProperty(io.marmot.replication.Daemons.PRIORITY_PROPERTY, wanted);
        }
    }

    /**
     * Rows per second of every run by variant (plain, floor, marmot: indexes 0–2), then the writing thread's CPU
     * microseconds per row (3–5: SQLite and its triggers run on that thread, so other processes' load moves it less
     * than the rate); index r of each is round r. The first round is warm-up.
     */
    double[][] measure(Workload w, int rows, int blobBytes, int runs) throws Exception {
        double[][] out = new double[6][runs];
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < runs + 1; r++) {
            for (Variant v : Variant.values()) {
                double[] m = run(v, w, rows, blobBytes);
                if (r > 0) {
                    out[v.ordinal()][r - 1] = m[0];
                    out[3 + v.ordinal()][r - 1] = m[1] / 1e3 / rows;
                }
            }
        }
        return out;
    }

    /** The URL a variant's writer (or, with {@code peer}, the replicating peer) opens for run number {@code n}. */
    String url(Variant v, Path db, int n, boolean peer) {
        if (v != Variant.MARMOT) {
            return "jdbc:sqlite:" + db;
        }
        return "jdbc:marmot:sqlite:" + db + "?node-id=" + (peer ? 5000 + n : 1000 + n) + "&nats-url=" + natsUrl
                + "&synchronous=NORMAL&stream-prefix=local-" + n + "&subject-prefix=local-" + n
                + (replicating ? "" : "&publish=false&replicate=false") + params;
    }

    static void prepare(Connection c, Variant v) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute(BenchNode.SCHEMA);
            if (v == Variant.FLOOR) {
                for (String sql : FLOOR_TRIGGERS) {
                    s.execute(sql);
                }
            }
        }
    }

    /** Rows/s and the writing thread's CPU nanoseconds of the timed part. */
    private double[] run(Variant v, Workload w, int rows, int blobBytes) throws Exception {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int n = ++dbCounter;
        Path db = dir.resolve((replicating ? "r-" : "c-") + v.name().toLowerCase() + n + ".db");
        Path peerDb = dir.resolve("peer" + n + ".db");
        boolean withPeer = replicating && v == Variant.MARMOT;
        if (v == Variant.MARMOT) {
            useThreadPriority();
        }
        Connection peer = withPeer ? DriverManager.getConnection(url(v, peerDb, n, true)) : null;
        try (Connection c = DriverManager.getConnection(url(v, db, n, false))) {
            if (peer != null) {
                prepare(peer, v);
            }
            prepare(c, v);
            long expected = 0;
            if (w == Workload.UPDATE || w == Workload.DELETE) {
                BenchNode.write(c, 1, rows, 1000, blobBytes, 1);
                expected = rows;
                if (peer != null) { // the untimed load's replication work must not land in the timed part
                    awaitCount(peer, expected, rows);
                }
            }
            double rate;
            long cpu;
            try (CorePinning pinning = pinning()) {
                if (pinning != null) {
                    pinning.addWriter();
                }
                long t0 = System.nanoTime();
                long cpu0 = threads.getCurrentThreadCpuTime();
                switch (w) {
                    case AUTOCOMMIT_INSERT -> BenchNode.write(c, 1, rows, 1, blobBytes, 1);
                    case BATCH_INSERT -> BenchNode.write(c, 1, rows, 1000, blobBytes, 1);
                    case UPDATE -> byKey(c, "UPDATE bench SET payload = ?, node = node + 1 WHERE id = ?", rows, true);
                    case DELETE -> byKey(c, "DELETE FROM bench WHERE id = ?", rows, false);
                }
                rate = rows / ((System.nanoTime() - t0) / 1e9);
                cpu = threads.getCurrentThreadCpuTime() - cpu0;
            }
            if (peer != null) { // the peer's work finishes before the next variant's run starts
                awaitPeer(peer, w, rows);
            }
            return new double[] {rate, cpu};
        } finally {
            if (peer != null) {
                peer.close();
            }
            if (v == Variant.MARMOT) {
                io.marmot.Marmot.close(db);
                if (withPeer) {
                    io.marmot.Marmot.close(peerDb);
                    dropStream(n); // each stream reserves max-log-bytes of JetStream storage
                }
            }
        }
    }

    private static void awaitPeer(Connection peer, Workload w, int rows) throws Exception {
        switch (w) {
            case AUTOCOMMIT_INSERT, BATCH_INSERT -> awaitCount(peer, rows, rows);
            case DELETE -> awaitCount(peer, 0, rows);
            case UPDATE -> awaitQuery(peer, "SELECT count(*) FROM bench WHERE node = 2", rows);
        }
    }

    private static void awaitCount(Connection c, long expected, int rows) throws Exception {
        awaitQuery(c, "SELECT count(*) FROM bench", expected);
    }

    static void awaitQuery(Connection c, String sql, long expected) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
                if (rs.next() && rs.getLong(1) == expected) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the peer did not reach " + expected + " for " + sql + " within 300 s");
    }

    /** Deletes run {@code n}'s stream. */
    void dropStream(int n) {
        String name = "local-" + n + "-1-1";
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(natsUrl)) {
            nc.jetStreamManagement().deleteStream(name);
        } catch (Exception e) {
            System.err.println("could not delete stream " + name + ": " + e);
        }
    }

    static void byKey(Connection c, String sql, int rows, boolean update) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 1; i <= rows; i++) {
                if (update) {
                    ps.setString(1, "y".repeat(80));
                    ps.setLong(2, i);
                } else {
                    ps.setLong(1, i);
                }
                ps.addBatch();
                if (i % 1000 == 0 || i == rows) {
                    ps.executeBatch();
                    c.commit();
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
    }
}
