package io.marmot.bench;

import java.io.IOException;
import java.net.ServerSocket;
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

    private record Phase(double quorumSeconds, long tx, double committedPerSecond, double everywherePerSecond) {
    }

    private record CatchUp(long behind, double readySeconds, double caughtUpSeconds) {
    }

    private ClusterRun() {
    }

    static void report(Path dir, boolean quick, Consumer<String> out) throws Exception {
        int perNode = quick ? 1000 : 8000;
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        CatchUp[] catchUp = new CatchUp[1];
        Phase r1 = phase(dir.resolve("cluster-r1"), 1, perNode, null);
        Phase r3 = phase(dir.resolve("cluster-r3"), 3, perNode, catchUp);
        out.accept("## 13. Embedded cluster");
        out.accept("");
        out.accept("Three node JVMs, each with its own embedded nats-server routed into one JetStream cluster (`cluster-addr`,");
        out.accept("`cluster-peers`, distinct ports on 127.0.0.1), no other NATS; a fresh cluster (new databases, new stores)");
        out.accept(String.format("for each `log-replicas`. All three nodes write %,d one-row transactions each at once"
                + " (autocommit, `synchronous=NORMAL`).", perNode));
        out.accept(String.format("The machine's 2 cores are shared with other work (load average %s when this section began),"
                + " so one run's R1/R3 difference may be noise.", load));
        out.accept("");
        out.accept("| figure | R1 | R3 |");
        out.accept("|---|---|---|");
        out.accept(String.format("| three fresh nodes started together until all `ready` (JVM start, quorum, streams) | %.1f s"
                + " | %.1f s |", r1.quorumSeconds(), r3.quorumSeconds()));
        out.accept(String.format("| tx/s committed, the three nodes together | %s | %s |", Stats.human(r1.committedPerSecond()),
                Stats.human(r3.committedPerSecond())));
        out.accept(String.format("| tx/s on all three nodes (first commit until the last row arrived everywhere) | %s | %s |",
                Stats.human(r1.everywherePerSecond()), Stats.human(r3.everywherePerSecond())));
        out.accept("");
        CatchUp c = catchUp[0];
        out.accept(String.format("R3: node 3's JVM and its nats-server killed (SIGKILL) while nodes 1 and 2 wrote %,d one-row"
                + " transactions each; node 3 was %,d transactions behind. Restarted, it was `ready` after %.1f s and held"
                + " every row %.1f s after its restart began (JVM start included).", perNode, c.behind(), c.readySeconds(),
                c.caughtUpSeconds()));
        out.accept("");
    }

    private static Phase phase(Path dir, int replicas, int perNode, CatchUp[] catchUp) throws Exception {
        Files.createDirectories(dir);
        int[] ports = freePorts(6);
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
            Phase p = new Phase(quorum, total, total / committed, total / seconds(w0));
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
        awaitCount(nodes[2], before + 1, "node 3 receiving the new writes"); // the kill lands while they are under way
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
        return new NodeHandle(dir.resolve(name(i)), i + 1, "", params, dir.resolve("node-" + i + ".log"), awaitReady);
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

    /** Distinct free ports: all held open at once, as a freed port may be handed out again by the next call. */
    private static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                held.add(new ServerSocket(0));
                ports[i] = held.get(i).getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static String name(int i) {
        return "node-" + (i + 1) + ".db";
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
