package io.marmot.bench.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The soak's three node slots: each runs one {@link SoakProcess} at a time, started again after every fault. */
final class SoakNodes {
    private final Path dir;
    private final String natsUrls;
    private final long pauseMillis;
    private final String params;
    private final Path[] dbs = new Path[Soak.NODES];
    private final SoakProcess[] running = new SoakProcess[Soak.NODES];
    private final int[] incarnations = new int[Soak.NODES];

    SoakNodes(Path dir, Path[] dbs, String natsUrls, long pauseMillis, String params) {
        this.dir = dir;
        this.natsUrls = natsUrls;
        this.pauseMillis = pauseMillis;
        this.params = params;
        System.arraycopy(dbs, 0, this.dbs, 0, dbs.length);
    }

    Path db(int node) {
        return dbs[node - 1];
    }

    SoakProcess process(int node) {
        return running[node - 1];
    }

    /** Starts node 1–3 (its clock {@code skewMillis} off when not 0) and waits until it writes. */
    synchronized SoakProcess start(int node, long skewMillis) throws IOException, InterruptedException {
        int incarnation = ++incarnations[node - 1];
        List<String> prefix = skewMillis == 0 ? List.of()
                : List.of("/usr/bin/faketime", "-f", (skewMillis > 0 ? "+" : "-") + Math.abs(skewMillis) / 1000 + "s");
        List<String> args = new ArrayList<>(List.of(db(node).toString(), Integer.toString(node), natsUrls, dir.toString(),
                Integer.toString(incarnation), Long.toString(skewMillis), Long.toString(pauseMillis), params));
        Path log = dir.resolve("node-" + node + ".log");
        Files.writeString(log, "---- start " + incarnation + (skewMillis == 0 ? "" : " clock " + skewMillis + " ms off")
                + " at " + System.currentTimeMillis() + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        SoakProcess p = new SoakProcess(prefix, args, log);
        running[node - 1] = p;
        if (p.await("ready", 90) == null) {
            throw new IOException("soak node " + node + " did not start within 90 s; see " + log);
        }
        return p;
    }

    /** Asks every node to stop writing; returns how many did. */
    int stopWriting() throws InterruptedException {
        int stopped = 0;
        for (SoakProcess p : running) {
            if (p != null && p.isAlive()) {
                p.send("stop");
            }
        }
        for (SoakProcess p : running) {
            if (p != null && p.await("stopped", 40) != null) {
                stopped++;
            }
        }
        return stopped;
    }

    /** Stops every node JVM still running, each by its PID. */
    void quitAll() throws InterruptedException {
        for (SoakProcess p : running) {
            if (p != null) {
                p.quit();
            }
        }
    }
}
