package io.marmot.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Section 12: what a no-op change listener costs the applier. A writer publishes 2-row transactions; then a new node
 * catches up on all of them (pure applying, nothing else to do), alternately without and with a listener that only
 * counts. Times vary with the machine; the counts heard do not (one event per transaction, every row).
 */
final class ListenerCost {
    private ListenerCost() {
    }

    static void report(Path dir, String natsUrl, boolean quick, Consumer<String> line) throws Exception {
        String params = "stream-prefix=listen&subject-prefix=listen&catch-up-wait=0";
        int transactions = quick ? 5_000 : 50_000; // of 2 rows: committed explicitly, each its own event
        int runs = quick ? 3 : 5;
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        List<Double> cpuWithout = new ArrayList<>();
        List<Double> cpuWith = new ArrayList<>();
        List<Double> bytesWithout = new ArrayList<>();
        List<Double> bytesWith = new ArrayList<>();
        String heard = "";
        try (NodeHandle writer = new NodeHandle(dir.resolve("l1.db"), 1, natsUrl, params, dir.resolve("l1.log"))) {
            writer.send("write 1 " + 2 * transactions + " 2 0");
            writer.expect("done", 600);
            for (int r = 0; r < 2 * runs; r++) { // alternating, so a drift of the machine hits both alike
                boolean listen = r % 2 == 1;
                Path db = dir.resolve("l-catch-up-" + r + ".db");
                try (NodeHandle n = new NodeHandle(db, 10 + r, natsUrl, (listen ? BenchNode.LISTEN : "") + params,
                        dir.resolve("l-catch-up-" + r + ".log"))) {
                    double[] m = measureApply(n, 2L * transactions, listen ? transactions : -1);
                    (listen ? with : without).add(m[0] / 2);
                    (listen ? cpuWith : cpuWithout).add(m[1] * 2);
                    (listen ? bytesWith : bytesWithout).add(m[2] * 2);
                    if (listen) {
                        heard = n.heard();
                    }
                }
            }
        }
        Stats.Summary off = Stats.of(without);
        Stats.Summary on = Stats.of(with);
        line.accept("## 12. Cost of a change listener on applying");
        line.accept("");
        line.accept("A new node catching up on " + transactions + " 2-row transactions (measured from a fifth of the rows to the last,"
                + " so that");
        line.accept("the JVM's start and the code's compilation stay out), alternately");
        line.accept("without and with a no-op listener (`MarmotEngine.addChangeListener`) registered before it applies.");
        line.accept("");
        line.accept("CPU and allocation are the node JVM's (every thread, the listener's included) over the same window,");
        line.accept("per transaction: on a shared machine they vary less than the rate.");
        line.accept("");
        line.accept("| listener | tx/s applied | CPU µs per tx | bytes allocated per tx | events heard, rows heard |");
        line.accept("|---|---|---|---|---|");
        line.accept("| none | " + off.format("") + " | " + Stats.of(cpuWithout).format("") + " | "
                + Stats.of(bytesWithout).format("") + " | - |");
        line.accept("| no-op | " + on.format("") + " | " + Stats.of(cpuWith).format("") + " | "
                + Stats.of(bytesWith).format("") + " | " + heard + " |");
        line.accept(String.format("%nCost (medians): %.1f %% of the throughput, %.1f %% more CPU per transaction (goal: at"
                + " most 5 %%).", 100 * (1 - on.median() / off.median()),
                100 * (Stats.of(cpuWith).median() / Stats.of(cpuWithout).median() - 1)));
        line.accept("");
    }

    /**
     * Rows per second from the moment a fifth of the rows is there to the last (the JVM's start, the engine's and the
     * compilation of the applying and listening code left out: an application's node runs for longer than a
     * catch-up), polling the node's file from here, and the node's CPU microseconds and bytes allocated per row over
     * that window (with {@code events} >= 0, until its listener heard that many).
     */
    private static double[] measureApply(NodeHandle n, long expected, long events) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        long first = 0;
        long t1 = 0;
        long[] start = null;
        for (long c = n.count(); c < expected; c = n.count()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.db + " has " + c + " rows, expected " + expected);
            }
            if (c >= expected / 5 && first == 0) {
                first = c;
                t1 = System.nanoTime();
                start = n.cpu();
            }
            Thread.sleep(5);
        }
        double rate = (expected - first) / ((System.nanoTime() - t1) / 1e9);
        if (events >= 0) {
            awaitHeard(n, events);
        }
        long[] end = n.cpu();
        double rows = expected - first;
        return new double[] {rate, (end[0] - start[0]) / 1e3 / rows, (end[1] - start[1]) / rows};
    }

    /** The listener hears after the commit, on its own thread: waits until it heard every transaction. */
    private static void awaitHeard(NodeHandle n, long transactions) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (String heard = n.heard(); !heard.equals(transactions + " " + 2 * transactions); heard = n.heard()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n.db + "'s listener heard " + heard + ", not " + transactions);
            }
            Thread.sleep(20);
        }
    }
}
