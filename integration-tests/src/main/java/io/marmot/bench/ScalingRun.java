package io.marmot.bench;

import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Section 3's scaling with nodes: N node JVMs ({@link BenchNode}, one JVM per node) on one nats-server of their own
 * (monitoring on, so {@code /varz} counts its bytes), all writing 100-row transactions at once. Measured: rows/s
 * reaching every node, nats-server's CPU ({@code /proc/<pid>/stat}), bytes in and out per replicated row, and the
 * node JVMs' CPU per row that reached a node (writing, publishing and applying together).
 */
final class ScalingRun {
    private static final Pattern NUMBER = Pattern.compile("\"(in_bytes|out_bytes|in_msgs|out_msgs)\":\\s*(\\d+)");

    private ScalingRun() {
    }

    static void report(Path dir, boolean quick, Consumer<String> line) throws Exception {
        int[] sizes = quick ? new int[] {2, 3} : new int[] {2, 3, 5, 8};
        int perNode = quick ? 5_000 : 20_000;
        line.accept("### Scaling with nodes (all writing)");
        line.accept("");
        line.accept(String.format("N nodes, each its own JVM (`-Xmx512m`) and file, on one nats-server of their own (R1), all"
                + " on this 2-core machine; every node writes %,d rows (~100 B) in 100-row transactions at once, timed"
                + " until every node holds all N × %,d rows. Median of %d rounds after a warm-up round. nats-server CPU"
                + " from `/proc/<pid>/stat`, bytes from its `/varz` (client traffic: each message goes to every node,"
                + " its origin included). Node CPU: all N JVMs' CPU ÷ (rows × N), i.e. per row that reached a node.",
                perNode, perNode, quick ? 1 : 2));
        line.accept("");
        line.accept("| nodes | rows/s reaching every node | rows/s written per node | nats-server CPU (% of a core) |"
                + " nats-server CPU µs per row | bytes in / out per row | node CPU µs per row per node |");
        line.accept("|---|---|---|---|---|---|---|");
        for (int n : sizes) {
            line.accept(row(dir.resolve("scale-" + n), n, perNode, quick ? 1 : 2));
        }
        line.accept("");
    }

    private static String row(Path dir, int nodes, int perNode, int rounds) throws Exception {
        Files.createDirectories(dir);
        int monitor = NatsServer.freePort();
        List<double[]> results = new ArrayList<>();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"), "-m", Integer.toString(monitor))) {
            List<NodeHandle> handles = new ArrayList<>();
            try {
                for (int i = 1; i <= nodes; i++) {
                    handles.add(new NodeHandle(dir.resolve("n" + i + ".db"), i, nats.url(),
                            "stream-prefix=scale&subject-prefix=scale", dir.resolve("n" + i + ".log")));
                }
                long next = 1;
                for (int r = 0; r <= rounds; r++) {
                    double[] m = round(handles, nats, monitor, next, perNode);
                    next += (long) nodes * perNode;
                    if (r > 0) {
                        results.add(m);
                    }
                }
            } finally {
                for (NodeHandle h : handles) {
                    h.close();
                }
            }
        }
        results.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] m = results.get(results.size() / 2); // the round with the median rate, its other figures with it
        return String.format("| %d | %s | %s | %.0f %% | %.1f | %.0f / %.0f | %.1f |", nodes, Stats.human(m[0]),
                Stats.human(m[0] / nodes), m[1], m[2], m[3], m[4], m[5]);
    }

    /** rows/s reaching all, server CPU %, server µs per row, bytes in and out per row, node CPU µs per row per node */
    private static double[] round(List<NodeHandle> nodes, NatsServer nats, int monitor, long first, int perNode)
            throws Exception {
        int n = nodes.size();
        long rows = (long) n * perNode;
        long expected = nodes.get(0).count() + rows;
        long[] varz0 = varz(monitor);
        long cpu0 = serverTicks(nats.pid());
        long nodeCpu0 = nodeCpu(nodes);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            nodes.get(i).send("write " + (first + (long) i * perNode) + " " + perNode + " 100 0");
        }
        for (NodeHandle h : nodes) {
            h.expect("done", 600);
        }
        for (NodeHandle h : nodes) {
            awaitCount(h, expected);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double serverSeconds = (serverTicks(nats.pid()) - cpu0) / 100.0; // USER_HZ is 100 on Linux
        long[] varz1 = varz(monitor);
        double nodeSeconds = (nodeCpu(nodes) - nodeCpu0) / 1e9;
        return new double[] {rows / seconds, 100 * serverSeconds / seconds, serverSeconds * 1e6 / rows,
            (double) (varz1[0] - varz0[0]) / rows, (double) (varz1[1] - varz0[1]) / rows, nodeSeconds * 1e6 / rows / n};
    }

    private static long nodeCpu(List<NodeHandle> nodes) throws IOException {
        long sum = 0;
        for (NodeHandle h : nodes) {
            sum += h.cpu()[0];
        }
        return sum;
    }

    private static void awaitCount(NodeHandle n, long expected) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (n.count() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.db + " has " + n.count() + " rows, expected " + expected);
            }
            Thread.sleep(20);
        }
    }

    /** utime + stime of a process, in clock ticks. */
    static long serverTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // field 3 of stat is f[0]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** in_bytes and out_bytes of the server's {@code /varz}. */
    static long[] varz(int port) throws IOException {
        String json;
        try (InputStream in = URI.create("http://127.0.0.1:" + port + "/varz").toURL().openStream()) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        long[] out = new long[2];
        Matcher m = NUMBER.matcher(json);
        while (m.find()) {
            if (m.group(1).equals("in_bytes")) {
                out[0] = Long.parseLong(m.group(2));
            } else if (m.group(1).equals("out_bytes")) {
                out[1] = Long.parseLong(m.group(2));
            }
        }
        return out;
    }
}
