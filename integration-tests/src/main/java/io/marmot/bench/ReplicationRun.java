package io.marmot.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Section 3, 5 and 6's measurements: a writer JVM and two peer JVMs, then a peer catching up after downtime. */
final class ReplicationRun {
    private ReplicationRun() {
    }

    /** Transactions per second reaching both peers (1-row, 100-row, three writers), catch-up seconds, memory. */
    record Result(List<Double> tx1, List<Double> tx100, List<Double> all3, double catchUpSeconds, double[][] memory) {
    }

    static Result measure(Path dir, String natsUrl, boolean quick) throws Exception {
        String params = "stream-prefix=repl&subject-prefix=repl";
        int singles = quick ? 5_000 : 20_000;
        int hundreds = quick ? 200 : 1_000;
        List<Double> tx1 = new ArrayList<>();
        List<Double> tx100 = new ArrayList<>();
        List<Double> all3 = new ArrayList<>();
        double catchUp;
        double[][] memory = new double[3][];
        try (NodeHandle n1 = new NodeHandle(dir.resolve("r1.db"), 1, natsUrl, params, dir.resolve("r1.log"));
                NodeHandle n2 = new NodeHandle(dir.resolve("r2.db"), 2, natsUrl, params, dir.resolve("r2.log"));
                NodeHandle n3 = new NodeHandle(dir.resolve("r3.db"), 3, natsUrl, params, dir.resolve("r3.log"))) {
            long next = 1;
            int runs = quick ? 2 : 3;
            // Two rounds warm up: the JIT compiles the three JVMs' replication code through the first (1-row
            // transactions 16,000-19,000 a second in rounds one and two, 24,000-38,000 after, in scratch runs).
            int warmUps = quick ? 1 : 2;
            for (int r = 0; r < runs + warmUps; r++) {
                double t = timeToBoth(n1, next, singles, 1, n2, n3);
                next += singles;
                double t100 = timeToBoth(n1, next, hundreds * 100, 100, n2, n3);
                next += hundreds * 100L;
                if (r >= warmUps) {
                    tx1.add(singles / t);
                    tx100.add(hundreds / t100);
                }
            }
            // all three nodes writing at once, 100-row transactions
            for (int r = 0; r < runs; r++) {
                long expected = n1.count() + 3L * hundreds * 100;
                long t0 = System.nanoTime();
                NodeHandle[] nodes = {n1, n2, n3};
                for (int i = 0; i < 3; i++) {
                    nodes[i].send("write " + (next + (long) i * hundreds * 100) + " " + hundreds * 100 + " 100 0");
                }
                next += 3L * hundreds * 100;
                for (NodeHandle n : nodes) {
                    n.expect("done", 300);
                }
                for (NodeHandle n : nodes) {
                    awaitCount(n, expected);
                }
                all3.add(3.0 * hundreds / ((System.nanoTime() - t0) / 1e9));
            }
            memory[0] = n1.memory();
            memory[1] = n2.memory();
            // catch-up: node 3 down while 100k rows are written, then back
            n3.close();
            long expected = n1.count() + 100_000;
            n1.send("write " + next + " 100000 1000 0");
            n1.expect("done", 300);
            awaitCount(n2, expected);
            long t0 = System.nanoTime();
            try (NodeHandle back = new NodeHandle(dir.resolve("r3.db"), 3, natsUrl, params, dir.resolve("r3b.log"))) {
                awaitCount(back, expected);
                catchUp = (System.nanoTime() - t0) / 1e9;
                memory[2] = back.memory();
            }
        }
        return new Result(tx1, tx100, all3, catchUp, memory);
    }

    /** Seconds from sending the write to seeing every row on both peers. */
    private static double timeToBoth(NodeHandle writer, long first, int rows, int perTx, NodeHandle a, NodeHandle b)
            throws Exception {
        long expected = a.count() + rows;
        long t0 = System.nanoTime();
        writer.send("write " + first + " " + rows + " " + perTx + " 0");
        writer.expect("done", 600);
        awaitCount(a, expected);
        awaitCount(b, expected);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void awaitCount(NodeHandle n, long expected) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (n.count() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.db + " has " + n.count() + " rows, expected " + expected);
            }
            Thread.sleep(20); // count(*) scans the table: polling harder would steal the CPU being measured
        }
    }
}
