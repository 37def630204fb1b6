package io.marmot.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Replication lag: commit returned on the writer to row visible to a reader on a peer. Writer and reader live
 * in this JVM (one clock), on two databases with two engines, at an offered rate or as fast as possible.
 */
final class Lag {
    private Lag() {
    }

    /** Lag samples in microseconds, sorted; rate 0 means as fast as possible. */
    static long[] measure(Path dir, String natsUrl, String tag, int rate, int seconds) throws Exception {
        String common = "&nats-url=" + natsUrl + "&synchronous=NORMAL&stream-prefix=lag-" + tag + "&subject-prefix=lag-" + tag;
        Path writerDb = dir.resolve("lag-" + tag + "-w.db");
        Path readerDb = dir.resolve("lag-" + tag + "-r.db");
        try (Connection w = DriverManager.getConnection("jdbc:marmot:sqlite:" + writerDb + "?node-id=501" + common);
                Connection r = DriverManager.getConnection("jdbc:marmot:sqlite:" + readerDb + "?node-id=502" + common)) {
            for (Connection c : new Connection[] {w, r}) {
                try (Statement s = c.createStatement()) {
                    s.execute(BenchNode.SCHEMA);
                }
            }
            warmUp(w, r);
            int total = rate > 0 ? rate * seconds : 2_000_000;
            long[] committed = new long[total + 1];
            long[] visible = new long[total + 1];
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            int[] written = {0};
            Thread writer = new Thread(() -> {
                try (PreparedStatement ps = w.prepareStatement("INSERT INTO bench (id, node, payload) VALUES (?, 501, ?)")) {
                    long start = System.nanoTime();
                    for (int i = 1; i <= total && System.nanoTime() < deadline; i++) {
                        if (rate > 0) {
                            long due = start + (long) (i - 1) * 1_000_000_000L / rate;
                            while (System.nanoTime() < due) {
                                LockSupport.parkNanos(due - System.nanoTime());
                            }
                        }
                        ps.setLong(1, 1_000_000 + i);
                        ps.setString(2, BenchNode.PAYLOAD);
                        ps.executeUpdate();
                        committed[i] = System.nanoTime();
                        written[0] = i;
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, "lag-writer");
            writer.start();
            int seen = 0;
            try (PreparedStatement q = r.prepareStatement("SELECT max(id) FROM bench")) {
                while (writer.isAlive() || seen < written[0]) {
                    long max;
                    try (ResultSet rs = q.executeQuery()) {
                        max = rs.next() ? rs.getLong(1) - 1_000_000 : 0;
                    }
                    long now = System.nanoTime();
                    for (int i = seen + 1; i <= max; i++) {
                        visible[i] = now;
                    }
                    seen = (int) Math.max(seen, max);
                    if (!writer.isAlive() && System.nanoTime() > deadline + 30_000_000_000L) {
                        break;
                    }
                    LockSupport.parkNanos(50_000);
                }
            }
            writer.join();
            long[] lags = new long[seen];
            for (int i = 1; i <= seen; i++) {
                lags[i - 1] = Math.max(0, (visible[i] - committed[i]) / 1000);
            }
            Arrays.sort(lags);
            return lags;
        } finally {
            io.marmot.Marmot.close(writerDb);
            io.marmot.Marmot.close(readerDb);
        }
    }

    private static void warmUp(Connection w, Connection r) throws Exception {
        try (Statement s = w.createStatement()) {
            s.execute("INSERT INTO bench (id, node, payload) VALUES (1, 501, 'warm-up')");
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Statement s = r.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM bench")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("replication did not start within 30 s");
    }
}
