package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nats-servers in a JetStream cluster, streams with three replicas, three nodes writing: the stream leader
 * is killed with SIGKILL and restarted, twice, while they write. Every committed row reaches every node.
 */
class ClusterFailoverTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void killingTheStreamLeaderLosesNothing() throws Exception {
        try (NatsCluster cluster = new NatsCluster(dir.resolve("cluster"))) {
            List<Connection> nodes = new ArrayList<>();
            List<Writer> writers = new ArrayList<>();
            try {
                for (int n = 1; n <= 3; n++) {
                    Connection c = Nodes.open(dir.resolve("n" + n + ".db"), n, cluster.urls(), "log-replicas=3");
                    exec(c, Workload.SCHEMA.toArray(String[]::new));
                    nodes.add(c);
                }
                for (int n = 1; n <= 3; n++) {
                    Writer w = new Writer(dir.resolve("n" + n + ".db"), cluster.urls(), n);
                    writers.add(w);
                    w.start();
                }
                String stream = "marmot-changes-1-1";
                for (int round = 0; round < 2; round++) {
                    Thread.sleep(1_500); // writes flow before the crash
                    String leader = leader(cluster, stream);
                    cluster.kill(cluster.indexOf(leader));
                    Thread.sleep(1_500); // writes go on against the two survivors (a new leader is elected)
                    cluster.restart(cluster.indexOf(leader));
                }
                Thread.sleep(1_000);
                long total = 0;
                for (Writer w : writers) {
                    w.running = false;
                    w.join(30_000);
                    assertTrue(w.error == null, "writer " + w.node + " failed: " + w.error);
                    total += w.committed.get();
                }
                long expected = total;
                assertTrue(expected > 300, "the nodes kept writing through the failovers (" + expected + " rows)");
                for (int n = 1; n <= 3; n++) {
                    Path db = dir.resolve("n" + n + ".db");
                    Await.until(Duration.ofSeconds(90), "all " + expected + " rows on node " + n,
                            () -> CrashRecoveryTest.count(db, "SELECT count(*) FROM events") == expected);
                }
                String first = KillNineRestartTest.dump(dir.resolve("n1.db"));
                for (int n = 2; n <= 3; n++) {
                    assertEquals(first, KillNineRestartTest.dump(dir.resolve("n" + n + ".db")), "node " + n + " equals node 1");
                    MarmotEngine e = Marmot.engine(dir.resolve("n" + n + ".db")).orElseThrow();
                    assertFalse(e.stats().outOfSync(), "node " + n + " missed nothing: " + e.missedRanges());
                }
            } finally {
                for (Writer w : writers) {
                    w.running = false;
                }
                for (Connection c : nodes) {
                    c.close();
                }
            }
        }
    }

    private static String leader(NatsCluster cluster, String stream) throws Exception {
        String[] leader = {null};
        Await.until(Duration.ofSeconds(20), "a leader for " + stream, () -> {
            try (io.nats.client.Connection nc = io.nats.client.Nats.connect(io.nats.client.Options.builder()
                    .servers(cluster.urls().split(",")).build())) {
                var info = nc.jetStreamManagement().getStreamInfo(stream).getClusterInfo();
                leader[0] = info == null ? null : info.getLeader();
                return leader[0] != null;
            }
        });
        return leader[0];
    }

    /** Inserts rows with ids of its own node's range, one per transaction, through the driver, until stopped. */
    private static final class Writer extends Thread {
        final int node;
        final AtomicLong committed = new AtomicLong();
        private final Path db;
        private final String urls;
        volatile boolean running = true;
        volatile Exception error;

        Writer(Path db, String urls, int node) {
            this.db = db;
            this.urls = urls;
            this.node = node;
        }

        @Override
        public void run() {
            try (Connection c = Nodes.open(db, node, urls, "log-replicas=3");
                    PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?)")) {
                while (running) {
                    long id = node * 1_000_000_000L + committed.get() + 1;
                    ps.setLong(1, id);
                    ps.setString(2, "from node " + node);
                    ps.executeUpdate();
                    committed.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (SQLException | InterruptedException e) {
                error = e;
            }
        }
    }
}
