package io.marmot.bench.soak;

import io.marmot.testing.NatsCluster;
import io.marmot.testing.NatsServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Picks a fault every 10–30 s (seeded) until a deadline, on two lanes that each finish a fault before the next: one
 * for the nodes (kill -9, SIGSTOP, restart with the clock ±2 s off, full disk), one for the servers (kill -9, SIGSTOP,
 * store wiped while down). So at most one node and one server are down at once, and the cluster keeps a quorum.
 */
final class Nemesis {
    private static final int MAX_FAULTS_PER_LANE = 1_000;
    private static final boolean FAKETIME = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/faketime"));
    private final SoakNodes nodes;
    private final NatsCluster nats;
    private final SmallDisk disk;
    private final int diskNode;
    private final long seed;
    private final long deadline;
    private final Consumer<String> out;
    private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
    private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

    Nemesis(SoakNodes nodes, NatsCluster nats, SmallDisk disk, int diskNode, long seed, long deadline, Consumer<String> out) {
        this.nodes = nodes;
        this.nats = nats;
        this.disk = disk;
        this.diskNode = diskNode;
        this.seed = seed;
        this.deadline = deadline;
        this.out = out;
    }

    /** Runs both lanes until the deadline (and the fault each is in has ended); returns the faults caused. */
    List<Fault> run() throws InterruptedException {
        Thread nodeLane = lane("node", new Random(seed), this::nodeFault);
        Thread serverLane = lane("server", new Random(seed * 31 + 7), this::serverFault);
        long bound = deadline - System.currentTimeMillis() + 180_000;
        nodeLane.join(Math.max(1, bound));
        serverLane.join(Math.max(1, bound));
        if (nodeLane.isAlive() || serverLane.isAlive()) {
            throw new IllegalStateException("a nemesis lane did not end within 180 s of the deadline");
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the nemesis failed to cause or end a fault", errors.get(0));
        }
        return List.copyOf(faults);
    }

    private interface Step {
        Fault cause(Random r, long room) throws Exception;
    }

    private Thread lane(String name, Random r, Step step) {
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < MAX_FAULTS_PER_LANE; i++) {
                    Thread.sleep(between(r, 10_000, 30_000));
                    long room = deadline - System.currentTimeMillis();
                    if (room < 5_000) {
                        return;
                    }
                    Fault f = step.cause(r, room);
                    faults.add(f);
                    out.accept(String.format("  %s: %s", java.time.Instant.ofEpochMilli(f.start()), f));
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        }, "nemesis-" + name);
        t.start();
        return t;
    }

    private Fault nodeFault(Random r, long room) throws Exception {
        int node = 1 + r.nextInt(Soak.NODES);
        int kind = r.nextInt(disk == null ? 3 : 4);
        if (kind == 2 && !FAKETIME) {
            kind = 0; // no faketime here (examples/install-tools.sh installs it): a plain kill instead
        }
        long start = System.currentTimeMillis();
        switch (kind) {
            case 0 -> {
                nodes.process(node).kill();
                Thread.sleep(between(r, 0, 10_000));
                nodes.start(node, 0);
                return new Fault("kill -9", "node " + node, start, System.currentTimeMillis());
            }
            case 1 -> {
                nodes.process(node).signal("STOP");
                Thread.sleep(Math.min(room, between(r, 5_000, 40_000)));
                nodes.process(node).signal("CONT");
                return new Fault("SIGSTOP", "node " + node, start, System.currentTimeMillis());
            }
            case 2 -> {
                long skew = r.nextBoolean() ? 2_000 : -2_000;
                nodes.process(node).quit();
                nodes.start(node, skew);
                Thread.sleep(Math.min(room, between(r, 20_000, 30_000)));
                nodes.process(node).quit();
                nodes.start(node, 0);
                return new Fault("clock " + (skew > 0 ? "+2 s" : "-2 s"), "node " + node, start, System.currentTimeMillis());
            }
            default -> {
                disk.fill();
                Thread.sleep(20_000);
                disk.free();
                return new Fault("full disk", "node " + diskNode, start, System.currentTimeMillis());
            }
        }
    }

    private Fault serverFault(Random r, long room) throws Exception {
        int i = r.nextInt(NatsCluster.SIZE);
        NatsServer server = nats.server(i);
        String name = NatsCluster.name(i);
        int kind = r.nextInt(3);
        long start = System.currentTimeMillis();
        switch (kind) {
            case 0 -> {
                server.kill();
                Thread.sleep(between(r, 0, 10_000));
                server.restart();
                return new Fault("kill -9", name, start, System.currentTimeMillis());
            }
            case 1 -> {
                server.pause();
                Thread.sleep(Math.min(room, between(r, 5_000, 40_000)));
                server.resume();
                return new Fault("SIGSTOP", name, start, System.currentTimeMillis());
            }
            default -> {
                server.kill();
                server.wipeStore();
                Thread.sleep(between(r, 0, 10_000));
                server.restart();
                return new Fault("store wiped", name, start, System.currentTimeMillis());
            }
        }
    }

    private static long between(Random r, long from, long to) {
        return from + (long) (r.nextDouble() * (to - from));
    }
}
