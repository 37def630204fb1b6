package io.marmot.it;

import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a check (tagged so, run by name): three fresh node JVMs of an embedded R3 cluster started
 * together; prints, relative to their start, when each node's {@code health()} first said ready, when each stream
 * and the node-claims bucket first showed a leader (asked through node a's server), and in the seconds after all
 * three said ready how long a key-value write to the claims bucket and a row written on node a took to succeed and
 * to reach b and c.
 */
class ClusterSettleProbeTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<NodeProcess> started = new ArrayList<>();
    private final int[] clientPorts = new int[3];
    private final int[] routePorts = new int[3];
    private long t0;

    @AfterEach
    void stopAll() throws Exception {
        for (NodeProcess p : started) {
            p.close();
        }
    }

    @Test
    void measureTheSettling() throws Exception {
        ports();
        t0 = System.currentTimeMillis();
        NodeProcess[] nodes = new NodeProcess[3];
        for (int i = 0; i < 3; i++) {
            nodes[i] = start(i);
        }
        long[] readyAt = new long[3];
        long[] openedAt = new long[3];
        Map<String, Long> leaderAt = new LinkedHashMap<>();
        Connection nc = null;
        long deadline = t0 + 120_000;
        long allReady = 0;
        while (System.currentTimeMillis() < deadline) {
            for (int i = 0; i < 3; i++) {
                if (openedAt[i] == 0 && nodes[i].drain().contains("ready")) {
                    openedAt[i] = now();
                    System.out.println("PROBE " + now() + " ms node " + i + " first connection open (NodeMain ready)");
                }
                if (openedAt[i] != 0) {
                    nodes[i].send("stats");
                    String s = nodes[i].expect(l -> l.startsWith("stats "), 20);
                    boolean ready = s.contains("ready=true");
                    if (ready && readyAt[i] == 0) {
                        readyAt[i] = now();
                        System.out.println("PROBE " + now() + " ms node " + i + " health ready");
                    } else if (!ready && readyAt[i] != 0) {
                        System.out.println("PROBE " + now() + " ms node " + i + " health NOT ready again: " + s);
                    } else if (!ready) {
                        System.out.println("PROBE " + now() + " ms node " + i + " not ready: "
                                + s.substring(s.indexOf("problems=")));
                    }
                }
            }
            if (nc == null) {
                nc = connect(clientPorts[0]);
            }
            if (nc != null) {
                leaders(nc, leaderAt);
            }
            if (allReady == 0 && readyAt[0] != 0 && readyAt[1] != 0 && readyAt[2] != 0) {
                allReady = now();
                System.out.println("PROBE " + allReady + " ms all three health ready");
                break;
            }
            Thread.sleep(50);
        }
        if (allReady == 0) {
            throw new AssertionError("not all three nodes said ready within 120 s");
        }
        // From the moment all three said ready: a claim-bucket write and a row from a to b and c, in a loop.
        KeyValue kv = nc.keyValue("marmot-changes-nodes",
                io.nats.client.KeyValueOptions.builder().jetStreamOptions(
                        io.nats.client.JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(2)).build()).build());
        for (int round = 0; round < 10; round++) {
            long start = now();
            String kvResult;
            try {
                kv.put("probe-" + round, "x");
                kvResult = "ok";
            } catch (Exception e) {
                kvResult = e.toString();
            }
            System.out.println("PROBE " + start + " ms kv put -> " + kvResult + " after " + (now() - start) + " ms");
            long id = 1000 + round;
            JetStreamManagement jsm = nc.jetStreamManagement();
            long seqBefore = jsm.getStreamInfo("marmot-changes-1-1").getStreamState().getLastSequence();
            long w = now();
            nodes[0].send("sql INSERT INTO events (id, payload) VALUES (" + id + ", 'probe')");
            nodes[0].expect(l -> l.equals("ok"), 30);
            long committed = now();
            long inStream = 0;
            long until = now() + 20_000;
            while (now() < until && inStream == 0) {
                if (jsm.getStreamInfo("marmot-changes-1-1").getStreamState().getLastSequence() > seqBefore) {
                    inStream = now();
                }
                Thread.sleep(10);
            }
            long[] arrived = new long[3];
            while (now() < until && (arrived[1] == 0 || arrived[2] == 0)) {
                for (int n = 1; n < 3; n++) {
                    if (arrived[n] == 0 && Db.count(db(n), "SELECT count(*) FROM events WHERE id = ?", id) == 1) {
                        arrived[n] = now();
                    }
                }
                Thread.sleep(20);
            }
            System.out.println("PROBE " + w + " ms row " + id + " committed on a after " + (committed - w)
                    + " ms, in the stream after " + (inStream - w) + " ms, on b after " + (arrived[1] == 0 ? "never(20s)" : (arrived[1] - w) + " ms") + ", on c after "
                    + (arrived[2] == 0 ? "never(20s)" : (arrived[2] - w) + " ms"));
            leaders(nc, leaderAt);
            Thread.sleep(300);
        }
        nc.close();
        for (int i = 0; i < 3; i++) {
            java.nio.file.Files.copy(dir.resolve("node-" + i + ".log"), Path.of("target", "settle-node-" + i + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("PROBE node " + i + " log tail:\n" + tail(dir.resolve("node-" + i + ".log")));
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = java.nio.file.Files.readAllLines(log);
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            if (l.contains("WARN") || l.contains("ERROR") || l.contains("claim") || l.contains("imeout") || l.contains("failed")) {
                b.append("  ").append(l, 0, Math.min(l.length(), 300)).append('\n');
            }
        }
        return b.toString();
    }

    private void leaders(Connection nc, Map<String, Long> leaderAt) {
        try {
            JetStreamManagement jsm = nc.jetStreamManagement(
                    io.nats.client.JetStreamOptions.builder().requestTimeout(Duration.ofMillis(500)).build());
            for (String name : jsm.getStreamNames()) {
                if (leaderAt.containsKey(name)) {
                    continue;
                }
                StreamInfo info = jsm.getStreamInfo(name);
                if (info.getClusterInfo() != null && info.getClusterInfo().getLeader() != null) {
                    leaderAt.put(name, now());
                    System.out.println("PROBE " + now() + " ms stream " + name + " leader " + info.getClusterInfo().getLeader()
                            + " replicas " + (info.getClusterInfo().getReplicas() == null ? 0 : info.getClusterInfo().getReplicas().size()));
                }
            }
            if (!leaderAt.containsKey("(meta)")) {
                leaderAt.put("(meta)", now());
                System.out.println("PROBE " + now() + " ms JetStream API answers through a's server (meta leader)");
            }
        } catch (Exception e) {
            System.out.println("PROBE " + now() + " ms JetStream API: " + e);
        }
    }

    private static Connection connect(int port) {
        try {
            return Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + port).connectionTimeout(Duration.ofMillis(300))
                    .maxReconnects(-1).build());
        } catch (Exception e) {
            return null;
        }
    }

    private long now() {
        return System.currentTimeMillis() - t0;
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
