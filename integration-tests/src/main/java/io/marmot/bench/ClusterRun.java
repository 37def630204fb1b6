package io.marmot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Section 13: three node JVMs, each with its own embedded nats-server routed into one JetStream cluster
 * ({@code cluster-addr}, {@code cluster-peers} on 127.0.0.1), no NATS run by anyone else. A fresh cluster per
 * replica count: time until all three are ready, tx/s committed and tx/s on all three; at R3 one node and its server
 * die by SIGKILL while the other two write, and the time its restart takes to catch up.
 */
final class ClusterRun {
    private static final long DEADLINE_SECONDS = 180;

    private record Phase(double quorumSeconds, double committedPerSecond, double everywherePerSecond) {
    }

    private record CatchUp(long behind, double readySeconds, double caughtUpSeconds) {
    }

    private ClusterRun() {
    }

    static void report(Path dir, boolean quick, Consumer<String> out) throws Exception {
        int perNode = quick ? 1000 : 20_000;
        int rounds = quick ? 1 : 3;
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        List<Phase> r1 = new ArrayList<>();
        List<Phase> r3 = new ArrayList<>();
        List<CatchUp> catchUps = new ArrayList<>();
        for (int round = 0; round < rounds; round++) { // alternating, so a busy spell of the machine hits both
            r1.add(phase(dir.resolve("cluster-r1-" + round), 1, perNode, null));
            CatchUp[] c = new CatchUp[1];
            r3.add(phase(dir.resolve("cluster-r3-" + round), 3, perNode, c));
            catchUps.add(c[0]);
        }
        out.accept("## 13. Embedded cluster");
        out.accept("");
        out.accept("Three node JVMs, each with its own embedded nats-server routed into one JetStream cluster (`cluster-addr`,");
        out.accept("`cluster-peers`, distinct ports on 127.0.0.1), no other NATS; a fresh cluster (new databases, new stores)");
        out.accept(String.format("for each `log-replicas` and run, %s. All three nodes write %,d one-row transactions each at once"
                + " (autocommit, `synchronous=NORMAL`).", rounds == 1 ? "one run each" : rounds
                + " runs each (R1, R3 alternating; median (min–max))", perNode));
        out.accept(String.format("The machine's 2 cores are shared with other helpers' builds and tests (load average %s when"
                + " this section began): compare R1 with R3 only where the ranges do not overlap.", load));
        out.accept("");
        out.accept("| figure | R1 | R3 |");
        out.accept("|---|---|---|");
        out.accept(String.format("| three fresh nodes started together until all `ready` (JVM start, quorum, streams) | %s | %s |",
                secs(r1, Phase::quorumSeconds), secs(r3, Phase::quorumSeconds)));
        out.accept(String.format("| tx/s committed, the three nodes together | %s | %s |",
                rate(r1, Phase::committedPerSecond), rate(r3, Phase::committedPerSecond)));
        out.accept(String.format("| tx/s on all three nodes (first commit until the last row arrived everywhere) | %s | %s |",
                rate(r1, Phase::everywherePerSecond), rate(r3, Phase::everywherePerSecond)));
        out.accept("");
        out.accept(String.format("R3: node 3's JVM and its nats-server killed (SIGKILL) while nodes 1 and 2 wrote %,d one-row"
                + " transactions each (the kill once about a quarter had reached node 3); node 3 was %s transactions behind."
                + " Restarted, it was `ready` after %s (its first connection waits until it applied what the streams held"
                + " at its start, `catch-up-wait`) and held every row %s after its restart began (JVM start included).",
                perNode, rate(catchUps, c -> (double) c.behind()), secs(catchUps, CatchUp::readySeconds),
                secs(catchUps, CatchUp::caughtUpSeconds)));
        out.accept("");
    }

    private static <T> List<Double> map(List<T> runs, java.util.function.ToDoubleFunction<T> f) {
        return runs.stream().map(f::applyAsDouble).toList();
    }

    /** A figure as "4,094 (3,973–5,163)", or "4,094" for one run. */
    private static <T> String rate(List<T> runs, java.util.function.ToDoubleFunction<T> f) {
        Stats.Summary s = Stats.of(map(runs, f));
        return runs.size() == 1 ? String.format("%,.0f", s.median())
                : String.format("%,.0f (%,.0f–%,.0f)", s.median(), s.min(), s.max());
    }

    /** Seconds as "4.0 s (3.5–5.1)", or "4.0 s" for one run. */
    private static <T> String secs(List<T> runs, java.util.function.ToDoubleFunction<T> f) {
        Stats.Summary s = Stats.of(map(runs, f));
        return runs.size() == 1 ? String.format("%.1f s", s.median())
                : String.format("%.1f s (%.1f–%.1f)", s.median(), s.min(), s.max());
    }

    private static Phase phase(Path dir, int replicas, int perNode, CatchUp[] catchUp) throws Exception {
        Files.createDirectories(dir);
        int[] ports = io.marmot.testing.NatsServer.freePorts(6);
        NodeHandle[] nodes = new NodeHandle[3];
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) { // together: none is ready before a quorum forms
                nodes[i] = start(dir, i, ports, replicas, false);
            }
            for (NodeHandle n : nodes) {
                n.expect("ready", (int) DEADLINE_SECONDS);
            }
            double quorum = seconds(t0);
            checkReplicas(ports[0], replicas);
            long w0 = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                nodes[i].send("write " + (i + 1) * 1_000_000L + " " + perNode + " 1 0");
            }
            for (NodeHandle n : nodes) {
                n.expect("done ", (int) DEADLINE_SECONDS);
            }
            double committed = seconds(w0);
            long total = 3L * perNode;
            for (NodeHandle n : nodes) {
                awaitCount(n, total, "every node's rows on " + n.db);
            }
            Phase p = new Phase(quorum, total / committed, total / seconds(w0));
            if (catchUp != null) {
                catchUp[0] = killAndCatchUp(dir, nodes, ports, replicas, perNode, total);
            }
            return p;
        } finally {
            for (int i = 0; i < 3; i++) {
                if (nodes[i] != null) {
                    nodes[i].close();
                }
                serverOf(dir.resolve(name(i))).ifPresent(ProcessHandle::destroyForcibly); // one a failure left behind
            }
        }
    }

    private static CatchUp killAndCatchUp(Path dir, NodeHandle[] nodes, int[] ports, int replicas, int perNode,
            long before) throws Exception {
        nodes[0].send("write 1500000 " + perNode + " 1 0");
        nodes[1].send("write 2500000 " + perNode + " 1 0");
        awaitCount(nodes[2], before + perNode / 2, "node 3 receiving the new writes"); // the kill lands while they are under way
        ProcessHandle server = serverOf(nodes[2].db).orElseThrow(() -> new IOException("node 3's server wrote no pid file"));
        nodes[2].kill();
        server.destroyForcibly();
        server.onExit().get(10, TimeUnit.SECONDS);
        nodes[2].close();
        nodes[0].expect("done ", (int) DEADLINE_SECONDS);
        nodes[1].expect("done ", (int) DEADLINE_SECONDS);
        long total = before + 2L * perNode;
        awaitCount(nodes[0], total, "node 2's rows on node 1");
        long behind = total - nodes[2].count();
        long c0 = System.nanoTime();
        nodes[2] = start(dir, 2, ports, replicas, true);
        double ready = seconds(c0);
        awaitCount(nodes[2], total, "every row on the restarted node 3");
        return new CatchUp(behind, ready, seconds(c0));
    }

    /**
     * The figures are only worth their label if every stream really has that many replicas. Right after a quorum
     * formed the server may list streams partially ("did not receive all stream info results"): asked again then.
     */
    private static void checkReplicas(int clientPort, int replicas) throws Exception {
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect("nats://127.0.0.1:" + clientPort)) {
            var jsm = nc.jetStreamManagement(io.nats.client.JetStreamOptions.builder()
                    .requestTimeout(java.time.Duration.ofSeconds(10)).build()); // stream leaders may still be elected
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    List<io.nats.client.api.StreamInfo> streams = jsm.getStreams();
                    for (io.nats.client.api.StreamInfo s : streams) {
                        if (s.getConfiguration().getReplicas() != replicas) {
                            throw new IllegalStateException("cluster benchmark: stream " + s.getConfiguration().getName()
                                    + " has " + s.getConfiguration().getReplicas() + " replicas, not " + replicas);
                        }
                    }
                    if (!streams.isEmpty()) {
                        return;
                    }
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("cluster benchmark: no stream listed by a ready node within 60 s");
                }
                Thread.sleep(200);
            }
        }
    }

    private static NodeHandle start(Path dir, int i, int[] ports, int replicas, boolean awaitReady) throws IOException {
        List<String> peers = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                peers.add("nats://127.0.0.1:" + ports[3 + j]);
            }
        }
        String params = "nats-port=" + ports[i] + "&cluster-addr=127.0.0.1:" + ports[3 + i] + "&cluster-peers="
                + String.join(",", peers) + "&cluster-name=bench" + replicas + "&log-replicas=" + replicas
                + "&verify-interval=0";
        return new NodeHandle(dir.resolve(name(i)), i + 1, "", params, dir.resolve("node-" + (i + 1) + ".log"), awaitReady);
    }

    private static void awaitCount(NodeHandle n, long rows, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (n.count() < rows) {
            if (System.nanoTime() > deadline) {
                throw new IOException("cluster benchmark: no " + what + " after " + DEADLINE_SECONDS + " s (" + n.count()
                        + " of " + rows + " rows); see the node logs in " + n.db.getParent());
            }
            Thread.sleep(20);
        }
    }

    /** The node's embedded nats-server, from the pid file beside its database, if it runs. */
    private static Optional<ProcessHandle> serverOf(Path db) {
        try {
            long pid = Long.parseLong(Files.readString(Path.of(db + "-nats", "nats-server.pid")).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String name(int i) {
        return "node-" + (i + 1) + ".db";
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
