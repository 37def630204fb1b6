package io.marmot.bench.soak;

import io.marmot.engine.Health;
import io.marmot.engine.MarmotEngine;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Once a second, what a soak node says about itself next to what it holds: its {@code health()} and, for each other
 * node, how many of the keys that node committed more than {@link #GRACE_MILLIS} earlier (and had not started to
 * delete by now) are missing here. One line per sample in {@code samples-<node>.log}; see {@link Sample}.
 */
final class SoakSampler extends Thread {
    static final long GRACE_MILLIS = 10_000;
    private final Path db;
    private final MarmotEngine engine;
    private final int node;
    private final long startedAt;
    private final LongSupplier trueNow;
    private final FileOutputStream out;
    private final List<KeyLog> others = new ArrayList<>();
    volatile boolean running = true;

    SoakSampler(Path db, MarmotEngine engine, Path dir, int node, int nodes, LongSupplier trueNow) throws IOException {
        super("soak-sampler");
        setDaemon(true);
        this.db = db;
        this.engine = engine;
        this.node = node;
        this.trueNow = trueNow;
        this.startedAt = trueNow.getAsLong();
        this.out = new FileOutputStream(dir.resolve("samples-" + node + ".log").toFile(), true);
        for (int n = 1; n <= nodes; n++) {
            if (n != node) {
                others.add(new KeyLog(dir, n));
            }
        }
    }

    @Override
    public void run() {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            long next = System.nanoTime();
            for (long i = 0; running && i < Long.MAX_VALUE; i++) {
                try {
                    sample(c);
                } catch (SQLException | IOException e) {
                    System.err.println("soak sampler: " + e);
                }
                // after a SIGSTOP or a slow sample the next comes a second later: no burst to make up for the gap
                next = Math.max(next + 1_000_000_000L, System.nanoTime() + 500_000_000L);
                Thread.sleep(Math.max(1, (next - System.nanoTime()) / 1_000_000));
            }
        } catch (SQLException e) {
            e.printStackTrace();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sample(Connection c) throws SQLException, IOException {
        Health health = engine.health();
        long now = trueNow.getAsLong();
        Set<Long> present = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM soak_rows")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        } catch (SQLException e) {
            if (e.getMessage() == null || !e.getMessage().contains("no such table")) {
                throw e;
            }
        }
        // the rows first, then the logs: a delete that reached this node meanwhile was logged ('P') before it
        for (KeyLog log : others) {
            log.refresh();
        }
        StringBuilder line = new StringBuilder();
        line.append(now).append(' ').append(now - startedAt).append(' ').append(health.ready() ? 1 : 0);
        for (KeyLog log : others) {
            long lacking = 0;
            long oldestId = 0;
            long oldestAt = Long.MAX_VALUE;
            for (Map.Entry<Long, KeyLog.Key> e : log.keys().entrySet()) {
                KeyLog.Key k = e.getValue();
                if (k.inserted < now - GRACE_MILLIS && k.deleting > now && !present.contains(e.getKey())) {
                    lacking++;
                    if (k.inserted < oldestAt) {
                        oldestAt = k.inserted;
                        oldestId = e.getKey();
                    }
                }
            }
            line.append(' ').append(log.node).append(':').append(lacking).append(':').append(oldestId).append(':')
                    .append(lacking == 0 ? 0 : oldestAt);
        }
        line.append(" | ").append(String.join(" || ", health.problems()).replace('\n', ' ')).append('\n');
        out.write(line.toString().getBytes(StandardCharsets.UTF_8));
    }
}
