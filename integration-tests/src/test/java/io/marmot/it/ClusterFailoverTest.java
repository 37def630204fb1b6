package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Three nats-servers in a JetStream cluster, streams with three replicas, three nodes writing: the stream leader
 * is killed with SIGKILL and restarted, twice, while they write. Every committed row reaches every node.
 */
class ClusterFailoverTest {
    @Test
    void killingTheStreamLeaderLosesNothing() throws Exception {
        Cluster.with(3).natsCluster().params("log-replicas=3").run((cluster, a, b, c) -> {
            List<Node> nodes = List.of(a, b, c);
            List<Writer> writers = new ArrayList<>();
            try {
                for (Node node : nodes) {
                    node.exec(Workload.SCHEMA.toArray(String[]::new));
                }
                for (Node node : nodes) {
                    Writer w = new Writer(node);
                    writers.add(w);
                    w.start();
                }
                String stream = "marmot-changes-1-1";
                for (int round = 0; round < 2; round++) {
                    Thread.sleep(1_500); // writes flow before the crash
                    NatsServer leader = cluster.natsCluster().server(leader(cluster.url(), stream));
                    leader.kill();
                    Thread.sleep(1_500); // writes go on against the two survivors (a new leader is elected)
                    leader.restart();
                }
                Thread.sleep(1_000);
                long total = 0;
                for (Writer w : writers) {
                    w.running = false;
                    w.join(30_000);
                    assertFalse(w.isAlive(), "writer " + w.node.name() + " stopped");
                    assertTrue(w.error == null, "writer " + w.node.name() + " failed: " + w.error);
                    total += w.committed.get();
                }
                long expected = total;
                assertTrue(expected > 300, "the nodes kept writing through the failovers (" + expected + " rows)");
                for (Node node : nodes) {
                    Await.until(Duration.ofSeconds(90), "all " + expected + " rows on node " + node.name(),
                            () -> Db.count(node.path(), "SELECT count(*) FROM events") == expected);
                }
                String first = Db.dump(a.path());
                for (Node node : List.of(b, c)) {
                    assertEquals(first, Db.dump(node.path()), "node " + node.name() + " equals node a");
                    MarmotEngine e = node.engine();
                    assertFalse(e.stats().outOfSync(), "node " + node.name() + " missed nothing: " + e.missedRanges());
                }
            } finally {
                for (Writer w : writers) {
                    w.running = false;
                }
            }
        });
    }

    /** The name of the server leading {@code stream} ({@code n1}, {@code n2} or {@code n3}). */
    private static String leader(String urls, String stream) throws Exception {
        return Await.value(Duration.ofSeconds(20), "a leader for " + stream, () -> {
            try (io.nats.client.Connection nc = io.nats.client.Nats.connect(io.nats.client.Options.builder()
                    .servers(urls.split(",")).build())) {
                var info = nc.jetStreamManagement().getStreamInfo(stream).getClusterInfo();
                return info == null ? null : info.getLeader();
            }
        }, leader -> leader != null);
    }

    /** Inserts rows with ids of its own node's range, one per transaction, through the driver, until stopped. */
    private static final class Writer extends Thread {
        final Node node;
        final AtomicLong committed = new AtomicLong();
        volatile boolean running = true;
        volatile Exception error;

        Writer(Node node) {
            super("writer-" + node.name());
            this.node = node;
        }

        @Override
        public void run() {
            try (Connection c = node.open();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?)")) {
                while (running) {
                    long id = node.id() * 1_000_000_000L + committed.get() + 1;
                    ps.setLong(1, id);
                    ps.setString(2, "from node " + node.id());
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
