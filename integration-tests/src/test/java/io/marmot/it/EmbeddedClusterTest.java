package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node JVMs, each with its own embedded nats-server routed to the others' ({@code cluster-addr},
 * {@code cluster-peers}), streams at R3: no NATS run by anyone else. One node and its server die by SIGKILL, the
 * other two go on writing and replicating, the node comes back, and every committed row ends on all three.
 */
class EmbeddedClusterTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private static final String ROUTE_PASSWORD = "Zz9-route\"pass\\word";
    /** Route credentials; the password's quote and backslash must survive the server's configuration file. */
    private static final String ROUTE_CREDENTIALS = "&cluster-user=routes&cluster-password=" + ROUTE_PASSWORD;

    private final List<NodeProcess> started = new ArrayList<>();
    private final int[] clientPorts = new int[4];
    private final int[] routePorts = new int[4];
    private final int[] spare = new int[3];

    @AfterEach
    void stopAll() throws Exception {
        for (NodeProcess p : started) {
            p.close();
        }
        for (int i = 0; i < 4; i++) {
            serverPid(i).ifPresent(ProcessHandle::destroyForcibly); // a server a failed test left behind
        }
    }

    @Test
    void threeNodesSurviveTheLossOfOneAndConverge() throws Exception {
        ports();
        NodeProcess[] nodes = new NodeProcess[3];
        for (int i = 0; i < 3; i++) {
            nodes[i] = start(i, peersOf(i) + ROUTE_CREDENTIALS, false); // together: none is ready before a quorum
        }
        for (int i = 0; i < 3; i++) {
            nodes[i].expect(l -> l.equals("ready"), 90);
        }
        for (int i = 0; i < 3; i++) {
            nodes[i].send("stream " + (i + 1) * 1_000_000L);
            nodes[i].expect(l -> l.equals("streaming"), 10);
        }
        Await.until(Duration.ofSeconds(60), "each node's rows on every node", () -> everyNodeHasRowsOfAll(3));

        ProcessHandle cServer = serverPid(2).orElseThrow(() -> new AssertionError("node c's server wrote no pid file"));
        nodes[2].kill();
        cServer.destroyForcibly();
        cServer.onExit().get(10, TimeUnit.SECONDS);
        long aBefore = Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 1000000 AND 1999999");
        Await.until(Duration.ofSeconds(60), "node a's writes after the loss of c arrive on b",
                () -> Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 1000000 AND 1999999") > aBefore + 100);

        nodes[2] = start(2, peersOf(2) + ROUTE_CREDENTIALS, true);
        nodes[2].send("stream 3500000");
        nodes[2].expect(l -> l.equals("streaming"), 10);
        Await.until(Duration.ofSeconds(60), "node c's new writes on a",
                () -> Db.count(db(0), "SELECT count(*) FROM events WHERE id >= 3500000") > 50);

        // b's server dies alone: b restarts it, and a's writes reach b again.
        ProcessHandle bServer = serverPid(1).orElseThrow();
        bServer.destroyForcibly();
        Await.until(Duration.ofSeconds(30), "node b restarted its server",
                () -> serverPid(1).map(h -> h.pid() != bServer.pid()).orElse(false));
        long aOnB = Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 1000000 AND 1999999");
        Await.until(Duration.ofSeconds(60), "node a's writes reach b through its restarted server",
                () -> Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 1000000 AND 1999999") > aOnB + 100);

        // a's JVM dies alone: its server outlives it, and the restarted a replaces it with one it supervises.
        ProcessHandle aServer = serverPid(0).orElseThrow();
        nodes[0].kill();
        assertTrue(aServer.isAlive(), "a SIGKILL of the JVM leaves its server running");
        nodes[0] = start(0, peersOf(0) + ROUTE_CREDENTIALS, true);
        assertTrue(aServer.onExit().isDone() || !aServer.isAlive(), "the restarted node stopped the server left behind");
        assertTrue(serverPid(0).map(h -> h.pid() != aServer.pid()).orElse(false), "and runs a server of its own");
        nodes[0].send("stream 1500000");
        nodes[0].expect(l -> l.equals("streaming"), 10);

        long[] last = new long[3];
        for (int i = 0; i < 3; i++) {
            nodes[i].send("stop");
            last[i] = Long.parseLong(nodes[i].expect(l -> l.startsWith("stopped "), 30).substring("stopped ".length()));
        }
        Await.until(Duration.ofSeconds(90), "all three nodes hold the same rows", () -> {
            String a = Db.dump(db(0));
            return a.equals(Db.dump(db(1))) && a.equals(Db.dump(db(2)));
        });
        for (int i = 0; i < 3; i++) {
            String args = String.join(" ", serverPid(i).orElseThrow().info().arguments().orElse(new String[0]));
            assertTrue(args.contains("cluster.conf") && !args.contains(ROUTE_PASSWORD), "no password in ps: " + args);
            assertFalse(Files.readString(dir.resolve("node-" + i + ".log")).contains(ROUTE_PASSWORD), "nor in a log");
        }
        long[] from = {1_500_000, 2_000_000, 3_500_000};
        for (int i = 0; i < 3; i++) {
            Path elsewhere = db((i + 1) % 3);
            assertEquals(last[i] - from[i] + 1, Db.count(elsewhere, "SELECT count(*) FROM events WHERE id BETWEEN ? AND ?",
                    from[i], last[i]), "every row node " + (char) ('a' + i) + " committed since its last start is on the others");
        }
        assertTrue(Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 3000000 AND 3499999") > 0
                && Db.count(db(1), "SELECT count(*) FROM events WHERE id BETWEEN 1000000 AND 1499999") > 0,
                "what a and c committed before they were killed arrived");
    }

    @Test
    void aNodeWithWrongPeersSaysWhyItIsAlone() throws Exception {
        ports();
        int nobody = spare[0];
        // A new database waits for a quorum to restore a snapshot and catch up before it opens; alone, none forms.
        NodeProcess alone = start(0, "cluster-peers=127.0.0.1:" + nobody + "&snapshot-restore-wait=2&catch-up-wait=2"
                + ROUTE_CREDENTIALS, false);
        alone.expect(l -> l.equals("ready"), 90);
        alone.send("sql INSERT INTO kv (k, v, n) VALUES (1, 'written while alone', 0)");
        alone.expect(l -> l.equals("ok"), 10);
        Await.until(Duration.ofSeconds(30), "health names the unreachable peer", () -> {
            alone.send("stats");
            String stats = alone.expect(l -> l.startsWith("stats "), 10);
            return stats.contains("ready=false") && stats.contains("waiting for cluster quorum")
                    && stats.contains("127.0.0.1:" + nobody);
        });
        // A server without the route credentials is refused: it does not become the quorum this node lacks.
        try (NatsServer rogue = NatsServer.start(dir.resolve("rogue"), spare[1], "--server_name", "rogue",
                "--cluster_name", "marmot", "--cluster", "nats://127.0.0.1:" + spare[2],
                "--routes", "nats://127.0.0.1:" + routePorts[0])) {
            Await.until(Duration.ofSeconds(20), "the route without credentials refused",
                    () -> Files.readString(dir.resolve("a.db-nats/nats-server.log")).contains("authentication error"));
        }
    }

    @Test
    void aLateNodeJoinsAndAWholeClusterRestartKeepsEverything() throws Exception {
        ports();
        NodeProcess[] nodes = new NodeProcess[4];
        for (int i = 0; i < 3; i++) {
            nodes[i] = start(i, peersOf(i), false);
        }
        for (int i = 0; i < 3; i++) {
            nodes[i].expect(l -> l.equals("ready"), 90);
        }
        nodes[0].send("write 1 300");
        nodes[0].expect(l -> l.equals("done"), 60);
        nodes[1].send("write 301 400");
        nodes[1].expect(l -> l.equals("done"), 60);
        nodes[0].send("published");
        nodes[0].expect(l -> l.equals("published"), 40);
        nodes[1].send("published");
        nodes[1].expect(l -> l.equals("published"), 40);

        nodes[3] = start(3, peersOf(3), true); // a new database: it opens once it caught up with the cluster
        assertEquals(400, Db.count(db(3), "SELECT count(*) FROM events"), "the late node opened with every row");

        for (NodeProcess p : nodes) {
            p.close();
        }
        for (int i = 0; i < 4; i++) {
            int node = i;
            Await.until(Duration.ofSeconds(15), "node " + i + "'s server stopped with it",
                    () -> serverPid(node).isEmpty());
        }
        for (int i = 0; i < 4; i++) {
            nodes[i] = start(i, peersOf(i), false); // the whole cluster at once, as after a power cut
        }
        for (int i = 0; i < 4; i++) {
            nodes[i].expect(l -> l.equals("ready"), 90);
            nodes[i].send("write " + (1000 + i * 10) + " " + (1009 + i * 10));
            nodes[i].expect(l -> l.equals("done"), 60);
        }
        Await.until(Duration.ofSeconds(60), "all four nodes hold the same rows after the restart", () -> {
            String a = Db.dump(db(0));
            return a.equals(Db.dump(db(1))) && a.equals(Db.dump(db(2))) && a.equals(Db.dump(db(3)));
        });
        assertEquals(440, Db.count(db(2), "SELECT count(*) FROM events"), "every row, before and after the restart");
    }

    private boolean everyNodeHasRowsOfAll(int writers) throws Exception {
        for (int n = 0; n < 3; n++) {
            for (int w = 0; w < writers; w++) {
                long from = (w + 1) * 1_000_000L;
                if (Db.count(db(n), "SELECT count(*) FROM events WHERE id BETWEEN ? AND ?", from, from + 999_999) == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private NodeProcess start(int i, String peers, boolean awaitReady) throws Exception {
        NodeProcess p = new NodeProcess(awaitReady, List.of(), db(i), i + 1, "", dir.resolve("node-" + i + ".log"),
                "nats-port=" + clientPorts[i], "cluster-addr=127.0.0.1:" + routePorts[i], peers, "log-replicas=3",
                "verify-interval=0");
        started.add(p);
        return p;
    }

    /** Distinct free ports: all held open at once, as one freed port may be handed out again by the next call. */
    private void ports() throws Exception {
        List<java.net.ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < clientPorts.length + routePorts.length + spare.length; i++) {
                held.add(new java.net.ServerSocket(0));
            }
            for (int i = 0; i < 4; i++) {
                clientPorts[i] = held.get(i).getLocalPort();
                routePorts[i] = held.get(4 + i).getLocalPort();
            }
            for (int i = 0; i < spare.length; i++) {
                spare[i] = held.get(8 + i).getLocalPort();
            }
        } finally {
            for (java.net.ServerSocket s : held) {
                s.close();
            }
        }
    }

    private String peersOf(int i) {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < 3; j++) { // a fourth node lists the first three, which learn of it through its routes
            if (j != i) {
                peers.add((j % 2 == 0 ? "nats://" : "") + "127.0.0.1:" + routePorts[j]); // both spellings
            }
        }
        return "cluster-peers=" + String.join(",", peers);
    }

    private Path db(int i) {
        return dir.resolve((char) ('a' + i) + ".db");
    }

    private java.util.Optional<ProcessHandle> serverPid(int i) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve((char) ('a' + i) + ".db-nats/nats-server.pid")).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (java.io.IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }
}
