package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.engine.Health;
import io.marmot.replication.ReplicationStats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on a three-server NATS cluster (R3 streams and buckets, whose reads any replica may answer) writing
 * steadily: every node's clock, which is the machine's and the servers' own, is measured within max-clock-skew the
 * whole time, and no node is ever told its node id is in use by another node.
 */
class ClusterClaimsTest {
    private static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(40);

    @Test
    void claimsAndClockMeasuresStayRightOnThreeReplicas() throws Exception {
        Cluster.with(3).natsCluster().params("log-replicas=3").run((cluster, a, b, c) -> {
            List<Node> nodes = List.of(a, b, c);
            for (Node n : nodes) {
                n.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (Node n : nodes) {
                Thread t = new Thread(() -> write(n, stop), "writer-" + n.name());
                t.start();
                writers.add(t);
            }
            List<String> wrong = new ArrayList<>();
            long measured = 0;
            try {
                long end = System.nanoTime() + WATCH_NANOS;
                while (System.nanoTime() < end) {
                    for (Node n : nodes) {
                        ReplicationStats s = n.engine().stats();
                        Health h = n.engine().health();
                        if (s.clockKnown()) {
                            measured++;
                            if (Math.abs(s.clockOffsetMillis()) >= 1000) {
                                wrong.add(n.name() + ": offset " + s.clockOffsetMillis() + " ms");
                            }
                        }
                        for (String p : h.problems()) {
                            if (p.contains("in use by another")) {
                                wrong.add(n.name() + ": " + p);
                            }
                        }
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // the sampling rate, not a wait
                }
            } finally {
                stop.set(true);
                for (Thread t : writers) {
                    t.join(30_000);
                }
            }
            assertTrue(measured > 0, "the clocks were measured");
            assertEquals(List.of(), wrong.stream().distinct().limit(20).toList(), "no wrong offset, no false conflict");
        });
    }

    private static void write(Node n, AtomicBoolean stop) {
        try (Connection c = n.open(); PreparedStatement ps = c.prepareStatement("INSERT INTO events (payload) VALUES (?)")) {
            while (!stop.get()) {
                ps.setString(1, "from " + n.name());
                ps.executeUpdate();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        } catch (Exception e) {
            throw new IllegalStateException("writer of " + n.name() + " failed", e);
        }
    }
}
