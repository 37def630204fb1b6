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
 * Local write cost of capture: the same workload through plain {@code jdbc:sqlite:} and through
 * {@code jdbc:marmot:sqlite:} (capture on, connected to NATS, publishing), same schema and pragmas.
 */
final class LocalWrites {
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

    private final Path dir;
    private final String natsUrl;
    private final boolean replicating;
    private final String params;
    private static int dbCounter; // across instances: every run gets a file of its own

    /** @param replicating false: capture only ({@code publish=false&replicate=false}), the triggers' own cost */
    LocalWrites(Path dir, String natsUrl, boolean replicating) {
        this(dir, natsUrl, replicating, "");
    }

    /** @param params more URL parameters of the marmot connections ({@code &shell-drop-column=true}) */
    LocalWrites(Path dir, String natsUrl, boolean replicating, String params) {
        this.dir = dir;
        this.natsUrl = natsUrl;
        this.replicating = replicating;
        this.params = params;
    }

    /** Rows per second of every run, plain and marmot alternating so drift hits both alike. */
    double[][] measure(Workload w, int rows, int blobBytes, int runs) throws SQLException {
        List<Double> plain = new ArrayList<>();
        List<Double> marmot = new ArrayList<>();
        for (int r = 0; r < runs + 1; r++) { // the first run of each is warm-up
            double p = run(false, w, rows, blobBytes);
            double m = run(true, w, rows, blobBytes);
            if (r > 0) {
                plain.add(p);
                marmot.add(m);
            }
        }
        return new double[][] {plain.stream().mapToDouble(Double::doubleValue).toArray(),
                marmot.stream().mapToDouble(Double::doubleValue).toArray()};
    }

    private double run(boolean marmot, LocalWrites.Workload w, int rows, int blobBytes) throws SQLException {
        Path db = dir.resolve((replicating ? "" : "capture-") + (marmot ? "m" : "p") + (dbCounter++) + ".db");
        String url = marmot
                ? "jdbc:marmot:sqlite:" + db + "?node-id=" + (1000 + dbCounter) + "&nats-url=" + natsUrl
                        + "&synchronous=NORMAL&stream-prefix=local-" + dbCounter + "&subject-prefix=local-" + dbCounter
                        + (replicating ? "" : "&publish=false&replicate=false") + params
                : "jdbc:sqlite:" + db;
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute(BenchNode.SCHEMA);
            }
            if (w == Workload.UPDATE || w == Workload.DELETE) {
                BenchNode.write(c, 1, rows, 1000, blobBytes, 1);
                if (marmot && replicating) {
                    awaitLogDrained(c); // the untimed load's replication work must not land in the timed part
                }
            }
            long t0 = System.nanoTime();
            switch (w) {
                case AUTOCOMMIT_INSERT -> BenchNode.write(c, 1, rows, 1, blobBytes, 1);
                case BATCH_INSERT -> BenchNode.write(c, 1, rows, 1000, blobBytes, 1);
                case UPDATE -> byKey(c, "UPDATE bench SET payload = ?, node = node + 1 WHERE id = ?", rows, true);
                case DELETE -> byKey(c, "DELETE FROM bench WHERE id = ?", rows, false);
            }
            double rate = rows / ((System.nanoTime() - t0) / 1e9);
            if (marmot) {
                io.marmot.Marmot.close(db);
            }
            if (marmot && replicating) {
                dropStream("local-" + dbCounter + "-1-1"); // each stream reserves max-log-bytes of JetStream storage
            }
            return rate;
        }
    }

    private void dropStream(String name) {
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(natsUrl)) {
            nc.jetStreamManagement().deleteStream(name);
        } catch (Exception e) {
            System.err.println("could not delete stream " + name + ": " + e);
        }
    }

    private static void awaitLogDrained(Connection c) throws SQLException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM __marmot_log")) {
                if (rs.next() && rs.getLong(1) <= 1) {
                    return;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("the change log was not published within 120 s");
    }

    private static void byKey(Connection c, String sql, int rows, boolean update) throws SQLException {
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
