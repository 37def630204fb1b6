package io.marmot.bench;

import io.marmot.Marmot;
import io.marmot.replication.ReplicationStats;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Verification (anti-entropy) figures for two nodes sharing one table of {@code rows} rows: a round from cold (every
 * range hashed), an idle round, the digest's size, 100 rows changed behind capture until every node holds the
 * same again, and the write throughput of a replicated workload with verification on and off.
 */
final class VerifyRun {
    /**
     * @param idleRound the stats after an idle round: its own CPU ({@code lastRoundCpuMicros}) and rows read
     * @param busiestRound while the 100 rows were found and repaired, the round that read most rows (the sweep's bound)
     */
    record Result(long rows, long coldRoundMillis, long idleRoundMillis, double idleCpuMillisPerRound, long digestBytes,
            long changedRoundMillis, double repairSeconds, long rowsFound, long repairBytes, double writesOn,
            double writesOff, ReplicationStats idleRound, ReplicationStats busiestRound) {
    }

    private static final int CHANGED = 100;
    private static final Duration WAIT = Duration.ofMinutes(5);

    private final Path dir;
    private final String natsUrl;
    private int pairs;

    private VerifyRun(Path dir, String natsUrl) {
        this.dir = dir;
        this.natsUrl = natsUrl;
    }

    static Result measure(Path dir, String natsUrl, boolean quick) throws Exception {
        VerifyRun run = new VerifyRun(dir, natsUrl);
        int rows = quick ? 50_000 : 1_000_000;
        int writes = quick ? 5_000 : 20_000;
        double on = 0;
        double off = 0;
        for (int i = 0; i < (quick ? 1 : 3); i++) { // alternating, so drift hits both alike
            off = Math.max(off, run.writeThroughput(writes, 0));
            on = Math.max(on, run.writeThroughput(writes, 1));
        }
        return run.bigTable(rows, on, off);
    }

    private String url(Path db, long node, int pair, long verifyInterval) {
        return "jdbc:marmot:sqlite:" + db + "?node-id=" + node + "&nats-url=" + natsUrl + "&verify-interval="
                + verifyInterval + "&snapshot-interval=0&stream-prefix=verify" + pair + "&subject-prefix=verify" + pair;
    }

    private Result bigTable(int rows, double on, double off) throws Exception {
        int pair = ++pairs;
        Path a = dir.resolve("verify-a.db");
        Path b = dir.resolve("verify-b.db");
        try (Connection ca = DriverManager.getConnection(url(a, 1, pair, 0));
                Connection cb = DriverManager.getConnection(url(b, 2, pair, 0))) {
            exec(ca, BenchNode.SCHEMA);
            BenchNode.write(ca, 1, rows, 1000, 0, 1);
            until("every row on the peer", () -> count(cb, "SELECT count(*) FROM bench") == rows);
        }
        Marmot.closeAll();
        // Reopened with verification on: the first round hashes every range from nothing.
        try (Connection ca = DriverManager.getConnection(url(a, 1, pair, 1));
                Connection cb = DriverManager.getConnection(url(b, 2, pair, 1))) {
            until("a first round", () -> stats(a).lastRoundMillis() > 0);
            long cold = stats(a).lastRoundMillis();
            until("both nodes agree", () -> stats(a).peersAgreeing() == 1 && stats(b).peersAgreeing() == 1);
            long verified = stats(a).lastVerifiedMillis();
            until("two more rounds", () -> stats(a).lastVerifiedMillis() >= verified + 2000);
            long idle = stats(a).lastRoundMillis();
            ReplicationStats idleRound = stats(a);
            long cpu0 = processCpuNanos();
            long since = stats(a).lastVerifiedMillis();
            Thread.sleep(5_000);
            long rounds = Math.max(1, (stats(a).lastVerifiedMillis() - since) / 1000) * 2; // both nodes' rounds
            double cpuPerRound = (processCpuNanos() - cpu0) / 1e6 / rounds;
            long digestBytes = digestBytes(pair);

            long found0 = stats(a).rowsFoundDifferent() + stats(b).rowsFoundDifferent();
            long bytes0 = stats(a).repairBytes() + stats(b).repairBytes();
            long started = System.nanoTime();
            // Rows changed behind capture (their log rows deleted in the same transaction, as the applier does with its
            // own), as a program with triggers off would.
            try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + b); Statement s = plain.createStatement()) {
                plain.setAutoCommit(false);
                s.executeUpdate("CREATE TEMP TABLE IF NOT EXISTS logged AS SELECT coalesce(max(seq), 0) AS seq FROM __marmot_log");
                s.executeUpdate("UPDATE bench SET payload = 'changed behind capture' WHERE id % " + (rows / CHANGED)
                        + " = 0");
                s.executeUpdate("DELETE FROM __marmot_log WHERE seq > (SELECT seq FROM temp.logged)");
                s.executeUpdate("DROP TABLE temp.logged");
                plain.commit();
            }
            String changed = "SELECT group_concat(payload) FROM bench WHERE id % " + (rows / CHANGED) + " = 0";
            ReplicationStats[] busiest = {stats(b)};
            until("the changed rows equal on both nodes", () -> {
                ReplicationStats now = stats(b);
                if (now.lastRoundRowsRead() > busiest[0].lastRoundRowsRead()) {
                    busiest[0] = now;
                }
                return text(ca, changed).equals(text(cb, changed));
            });
            double repair = (System.nanoTime() - started) / 1e9;
            long changedRound = stats(b).lastRoundMillis();
            long found = stats(a).rowsFoundDifferent() + stats(b).rowsFoundDifferent() - found0;
            long bytes = stats(a).repairBytes() + stats(b).repairBytes() - bytes0;
            return new Result(rows, cold, idle, cpuPerRound, digestBytes, changedRound, repair, found, bytes, on, off,
                    idleRound, busiest[0]);
        } finally {
            Marmot.closeAll();
        }
    }

    /** Rows per second committed on one node and readable on its peer, verification every {@code interval} s. */
    private double writeThroughput(int rows, long interval) throws Exception {
        int pair = ++pairs;
        Path a = dir.resolve("verify-w" + pair + "a.db");
        Path b = dir.resolve("verify-w" + pair + "b.db");
        try (Connection ca = DriverManager.getConnection(url(a, 1, pair, interval));
                Connection cb = DriverManager.getConnection(url(b, 2, pair, interval))) {
            exec(ca, BenchNode.SCHEMA);
            until("the table on the peer", () -> count(cb, "SELECT count(*) FROM sqlite_master WHERE name = 'bench'") == 1);
            long started = System.nanoTime();
            BenchNode.write(ca, 1, rows, 10, 0, 1);
            until("every row on the peer", () -> count(cb, "SELECT count(*) FROM bench") == rows);
            return rows / ((System.nanoTime() - started) / 1e9);
        } finally {
            Marmot.closeAll();
        }
    }

    private long digestBytes(int pair) throws Exception {
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(natsUrl)) {
            var entry = nc.keyValue("verify" + pair + "-digests").get("node-1");
            return entry == null || entry.getValue() == null ? -1 : entry.getValue().length;
        }
    }

    private static ReplicationStats stats(Path db) {
        try {
            return Marmot.engine(db).orElseThrow().stats();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(Connection c, String sql) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String text(Connection c, String sql) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? String.valueOf(rs.getString(1)) : "";
        } catch (SQLException e) {
            return "error: " + e.getMessage();
        }
    }

    private static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark: not reached within " + WAIT + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}
