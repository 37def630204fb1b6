package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * First law on a fresh embedded R3 cluster: a node never says it is ready when it is not. Three node JVMs, each with
 * its own embedded nats-server, start together; from the moment all three say {@code health().ready}, a write to the
 * node-claims bucket through each node's server and a row written on each node reaching every node must succeed
 * within {@value #BOUND_MILLIS} ms. Before the fix a node said ready while its first set-up (streams, claim) was
 * still waiting for the claims bucket's leader, and a row reached it only 3.4-4.7 s later.
 */
class ClusterReadinessTest {
    private static final long BOUND_MILLIS = 2_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<NodeProcess> started = new ArrayList<>();
    private final int[] clientPorts = new int[3];
    private final int[] routePorts = new int[3];

    @AfterEach
    void stopAll() throws Exception {
        for (NodeProcess p : started) {
            p.close();
        }
    }

    @Test
    void onceAllSayReadyClaimsAndRowsGoThroughWithinTwoSeconds() throws Exception {
        ports();
        NodeProcess[] nodes = new NodeProcess[3];
        for (int i = 0; i < 3; i++) {
            nodes[i] = start(i); // together: none is ready before a quorum forms
        }
        for (NodeProcess n : nodes) {
            n.expect(l -> l.equals("ready"), 90); // the first connection opened (NodeMain's line, not health)
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        boolean[] ready = new boolean[3];
        while (!(ready[0] && ready[1] && ready[2])) {
            assertTrue(System.nanoTime() < deadline, "all three nodes said ready within 90 s");
            for (int i = 0; i < 3; i++) {
                ready[i] = ready[i] || ready(nodes[i]); // a node's first ready is what a load balancer acts on
            }
            Thread.sleep(20);
        }
        long allReady = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            try (Connection nc = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + clientPorts[i]).build())) {
                KeyValue kv = nc.keyValue("marmot-changes-claims", KeyValueOptions.builder().jetStreamOptions(
                        JetStreamOptions.builder().requestTimeout(Duration.ofMillis(BOUND_MILLIS)).build()).build());
                kv.put("readiness-probe-" + i, "written right after all three said ready"); // throws on a timeout
            }
        }
        for (int i = 0; i < 3; i++) {
            nodes[i].send("sql INSERT INTO events (id, payload) VALUES (" + (i + 1) + ", 'written by node " + i + "')");
            nodes[i].expect(l -> l.equals("ok"), 10);
        }
        long until = allReady + Duration.ofMillis(BOUND_MILLIS).toNanos();
        while (System.nanoTime() < until && !(sameEverywhere() && Db.count(db(0), "SELECT count(*) FROM events") == 3)) {
            Thread.sleep(20);
        }
        long tookMillis = (System.nanoTime() - allReady) / 1_000_000;
        for (int i = 0; i < 3; i++) {
            assertEquals(3, Db.count(db(i), "SELECT count(*) FROM events"), "node " + i + " holds the row of every node "
                    + tookMillis + " ms after all three said ready");
        }
        assertEquals(Db.dump(db(0)), Db.dump(db(1)), "nodes 0 and 1 hold the same rows");
        assertEquals(Db.dump(db(0)), Db.dump(db(2)), "nodes 0 and 2 hold the same rows");
        for (NodeProcess n : nodes) {
            String stats = stats(n);
            assertTrue(stats.contains("ready=true"), "and each still says ready: " + stats);
        }
    }

    private static boolean ready(NodeProcess n) throws Exception {
        return stats(n).contains("ready=true");
    }

    private static String stats(NodeProcess n) throws Exception {
        n.send("stats");
        return n.expect(l -> l.startsWith("stats "), 20);
    }

    private boolean sameEverywhere() throws Exception {
        String a = Db.dump(db(0));
        return a.equals(Db.dump(db(1))) && a.equals(Db.dump(db(2)));
    }

    private NodeProcess start(int i) throws Exception {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                peers.add("127.0.0.1:" + routePorts[j]);
            }
        }
        NodeProcess p = new NodeProcess(false, List.of(), db(i), i + 1, "", dir.resolve("node-" + i + ".log"),
                "nats-port=" + clientPorts[i], "cluster-addr=127.0.0.1:" + routePorts[i],
                "cluster-peers=" + String.join(",", peers), "log-replicas=3", "verify-interval=0");
        started.add(p);
        return p;
    }

    /** Distinct free ports, all held open at once so none is handed out twice. */
    private void ports() throws Exception {
        List<java.net.ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                held.add(new java.net.ServerSocket(0));
            }
            for (int i = 0; i < 3; i++) {
                clientPorts[i] = held.get(i).getLocalPort();
                routePorts[i] = held.get(3 + i).getLocalPort();
            }
        } finally {
            for (java.net.ServerSocket s : held) {
                s.close();
            }
        }
    }

    private Path db(int i) {
        return dir.resolve((char) ('a' + i) + ".db");
    }
}
