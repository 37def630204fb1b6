package io.marmot.bench;

import io.marmot.testing.NatsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where section 3's CPU goes: one writer JVM and two peer JVMs (as {@link ReplicationRun}), 100-row transactions,
 * and per round each JVM's CPU and allocation per row, split by kind of thread (the writing thread, the publishing
 * and applying pools, jnats' dispatcher and reader, the timers) and the rest of the process (GC, JIT). Counts per row
 * vary far less with the machine's load than the rate does.
 * {@code java -cp … io.marmot.bench.ThroughputProfile [rows per round, default 50000] [rounds, default 3]}
 */
public final class ThroughputProfile {
    private ThroughputProfile() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("marmot-thru");
        String params = "stream-prefix=repl&subject-prefix=repl";
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                NodeHandle w = new NodeHandle(dir.resolve("r1.db"), 1, nats.url(), params, dir.resolve("r1.log"));
                NodeHandle a = new NodeHandle(dir.resolve("r2.db"), 2, nats.url(), params, dir.resolve("r2.log"));
                NodeHandle b = new NodeHandle(dir.resolve("r3.db"), 3, nats.url(), params, dir.resolve("r3.log"))) {
            NodeHandle[] nodes = {w, a, b};
            String[] names = {"writer", "peer-a", "peer-b"};
            long next = 1;
            String hold = System.getenv("THRU_HOLD"); // a file: its existence is awaited after the warm-up round
            for (int r = 0; r <= rounds; r++) {
                if (r == 1 && hold != null) {
                    System.out.println("holding until " + hold + " exists");
                    while (!Files.exists(Path.of(hold))) {
                        Thread.sleep(200);
                    }
                }
                long[][] cpu0 = new long[3][];
                Map<String, long[]>[] th0 = threads(nodes);
                for (int i = 0; i < 3; i++) {
                    cpu0[i] = nodes[i].cpu();
                }
                long expected = a.count() + rows;
                long t0 = System.nanoTime();
                w.send("write " + next + " " + rows + " 100 0");
                w.expect("done", 600);
                await(a, expected);
                await(b, expected);
                double seconds = (System.nanoTime() - t0) / 1e9;
                next += rows;
                Thread.sleep(500); // the writer's prune and fold after the last publish
                Map<String, long[]>[] th1 = threads(nodes);
                StringBuilder line = new StringBuilder(String.format("round %d%s: %.0f rows/s", r,
                        r == 0 ? " (warm-up)" : "", rows / seconds));
                for (int i = 0; i < 3; i++) {
                    long[] c1 = nodes[i].cpu();
                    line.append(String.format("; %s %.2f µs/row %.0f B/row", names[i],
                            (c1[0] - cpu0[i][0]) / 1e3 / rows, (double) (c1[1] - cpu0[i][1]) / rows));
                }
                System.out.println(line);
                if (r > 0) {
                    for (int i = 0; i < 3; i++) {
                        StringBuilder t = new StringBuilder("  " + names[i] + ":");
                        long threadCpu = 0;
                        for (Map.Entry<String, long[]> e : th1[i].entrySet()) {
                            long[] before = th0[i].getOrDefault(e.getKey(), new long[2]);
                            long dc = e.getValue()[0] - before[0];
                            long db = e.getValue()[1] - before[1];
                            threadCpu += dc;
                            if (dc > rows * 50L || db > rows * 100L) { // above 0.05 µs or 100 B per row
                                t.append(String.format(" %s %.2fµs %.0fB", e.getKey(), dc / 1e3 / rows, (double) db / rows));
                            }
                        }
                        System.out.println(t);
                    }
                }
            }
            try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url())) {
                var jsm = nc.jetStreamManagement();
                for (String stream : jsm.getStreamNames()) {
                    var st = jsm.getStreamInfo(stream).getStreamState();
                    System.out.printf("stream %s: %d messages, %d bytes (%d rows written)%n", stream, st.getMsgCount(),
                            st.getByteCount(), next - 1);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, long[]>[] threads(NodeHandle[] nodes) throws Exception {
        Map<String, long[]>[] out = new Map[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i].send("threads");
            out[i] = new TreeMap<>();
            for (String kv : nodes[i].expect("threads ", 30).substring("threads ".length()).split(";")) {
                if (!kv.isEmpty()) {
                    String[] p = kv.split("=");
                    String[] v = p[1].split("/");
                    out[i].put(p[0], new long[] {Long.parseLong(v[0]), Long.parseLong(v[1])});
                }
            }
        }
        return out;
    }

    private static void await(NodeHandle n, long expected) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (n.count() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.db + " has " + n.count() + " rows, expected " + expected);
            }
            Thread.sleep(20); // count(*) scans the table: polling harder would steal the CPU being measured
        }
    }
}
