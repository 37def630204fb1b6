package io.marmot.bench;

import io.marmot.Marmot;
import io.marmot.config.ConfigKey;
import io.marmot.config.MarmotConfig;
import io.marmot.snapshot.Manifest;
import io.marmot.snapshot.Snapshots;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

/**
 * Snapshot figures for one database of {@code rows} rows: taking one (copy and upload), downloading it alone,
 * a new node restoring it up to its first answered query, and merging it into a live database, next to a plain
 * {@code VACUUM INTO} and a plain file copy of the same database in the same run.
 */
final class SnapshotRun {
    private static final String PREFIXES = "stream-prefix=snapbench&subject-prefix=snapbench";

    /** Seconds of each step for one database. */
    record Result(long rows, long bytes, double vacuumInto, double fileCopy, double save, double download,
            double restore, double mergeNew, double mergeSame) {
    }

    private SnapshotRun() {
    }

    static Result measure(Path dir, String natsUrl, boolean quick) throws Exception {
        int rows = quick ? 50_000 : 1_000_000;
        Path source = dir.resolve("snapshot-source.db");
        String params = "node-id=1&nats-url=" + natsUrl + "&snapshot-interval=0&" + PREFIXES;
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + source + "?" + params)) {
            fill(c, rows);
            Marmot.engine(source).orElseThrow().awaitPublished(java.time.Duration.ofMinutes(10));
        }
        try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + source); Statement s = plain.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        long bytes = Files.size(source);
        double vacuum = seconds(() -> {
            try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + source);
                    PreparedStatement ps = plain.prepareStatement("VACUUM INTO ?")) {
                ps.setString(1, dir.resolve("vacuum-into.db").toString());
                ps.execute();
            }
        });
        double copy = seconds(() -> Files.copy(source, dir.resolve("file-copy.db")));
        Manifest[] taken = new Manifest[1];
        double save = seconds(() -> taken[0] = Marmot.saveSnapshot(source));
        Path downloaded = dir.resolve("downloaded.db");
        double download = seconds(() -> {
            try (io.nats.client.Connection nc = io.nats.client.Nats.connect(natsUrl);
                    OutputStream out = Files.newOutputStream(downloaded)) {
                nc.objectStore("snapbench-snapshots").get(taken[0].name(), out);
            }
        });
        Path joining = dir.resolve("snapshot-new-node.db");
        double restore = seconds(() -> {
            try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + joining + "?node-id=2&nats-url="
                    + natsUrl + "&snapshot-interval=0&" + PREFIXES);
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM items")) {
                if (!rs.next() || rs.getLong(1) != rows) {
                    throw new IllegalStateException("the new node does not serve the snapshot's rows");
                }
            }
        });
        Marmot.closeAll();
        Path live = dir.resolve("snapshot-live.db");
        try (Connection c = DriverManager.getConnection("jdbc:marmot:sqlite:" + live + "?node-id=3&publish=false&replicate=false")) {
            createTable(c);
        }
        Marmot.close(live);
        MarmotConfig config = MarmotConfig.from(Map.of(ConfigKey.NATS_URL, natsUrl));
        double mergeNew = seconds(() -> Snapshots.merge(live, downloaded, config));
        double mergeSame = seconds(() -> Snapshots.merge(live, downloaded, config));
        return new Result(rows, bytes, vacuum, copy, save, download, restore, mergeNew, mergeSame);
    }

    private static void createTable(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, note TEXT)");
        }
    }

    private static void fill(Connection c, int rows) throws Exception {
        createTable(c);
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= rows; i++) {
                ps.setLong(1, i);
                ps.setString(2, "item-" + i);
                ps.setLong(3, i % 1000);
                ps.setDouble(4, i / 100.0);
                ps.setString(5, "a note of about fifty characters for row number " + i);
                ps.addBatch();
                if (i % 10_000 == 0) {
                    ps.executeBatch();
                    c.commit();
                }
            }
            ps.executeBatch();
            c.commit();
        }
        c.setAutoCommit(true);
    }

    private static double seconds(Step step) throws Exception {
        long t0 = System.nanoTime();
        step.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }
}
