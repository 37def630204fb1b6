package io.marmot.bench.soak;

import io.marmot.testing.NatsCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The nemesis soak: a three-server NATS cluster (streams R3), three node JVMs writing steadily through the driver,
 * a {@link Nemesis} causing faults until a deadline; then the writers stop and the nodes must converge: every logged
 * key on every node, all nodes equal. The benchmark runs it for 15 minutes, the CI test for about two.
 */
public final class Soak {
    static final int NODES = 3;
    private static final int DISK_NODE = 3;
    private static final int DISK_MEGABYTES = 512;

    /**
     * @param dir where the soak keeps its servers, databases and logs
     * @param seed the nemesis's seed
     * @param faultSeconds how long the nemesis runs
     * @param convergeSeconds how long the nodes may take to converge after the writers stopped
     * @param pauseMillis each writer's pause after a transaction
     * @param params extra node parameters ({@code log-replicas=3} always)
     */
    public record Options(Path dir, long seed, long faultSeconds, long convergeSeconds, long pauseMillis, String params) {
    }

    /**
     * @param convergedAfterFault seconds from the end of the last fault until the nodes converged (NaN: never)
     * @param convergedAfterStop seconds from the writers' stop until then (NaN: never)
     */
    public record Result(Options options, List<Fault> faults, FinalState state, double convergedAfterFault,
            double convergedAfterStop, Samples samples, String diskNote) {
        public long lost() {
            return state.lost();
        }

        public long resurrected() {
            return state.resurrected();
        }

        public boolean equal() {
            return state.equal();
        }

        public int readyWhileBehind() {
            return samples.readyBehind.moments();
        }

        public int falseAlarms() {
            return samples.falseAlarms.moments();
        }
    }

    private Soak() {
    }

    public static Result run(Options o, Consumer<String> out) throws Exception {
        out.accept("soak: seed " + o.seed() + ", " + o.faultSeconds() + " s of faults, files in " + o.dir());
        StringBuilder why = new StringBuilder();
        SmallDisk disk = SmallDisk.mount(o.dir().resolve("node" + DISK_NODE), DISK_MEGABYTES, why);
        if (disk == null) {
            out.accept("soak: " + why);
        }
        try (NatsCluster nats = NatsCluster.start(o.dir().resolve("nats"))) {
            Path[] dbs = new Path[NODES];
            for (int n = 1; n <= NODES; n++) {
                dbs[n - 1] = Files.createDirectories(o.dir().resolve("node" + n)).resolve("soak.db");
            }
            SoakNodes nodes = new SoakNodes(o.dir(), dbs, nats.urls(), o.pauseMillis(),
                    "log-replicas=3" + (o.params().isEmpty() ? "" : "&" + o.params()));
            try {
                for (int n = 1; n <= NODES; n++) {
                    nodes.start(n, 0);
                }
                long t0 = System.currentTimeMillis();
                List<Fault> faults = new Nemesis(nodes, nats, disk, DISK_NODE, o.seed(), t0 + o.faultSeconds() * 1000, out)
                        .run();
                long lastFault = faults.stream().mapToLong(Fault::end).max().orElse(t0);
                int stopped = nodes.stopWriting();
                long stoppedAt = System.currentTimeMillis();
                out.accept("soak: " + faults.size() + " faults; writers stopped (" + stopped + " of " + NODES
                        + " answered); waiting for the nodes to converge");
                FinalState state = FinalState.read(o.dir(), List.of(dbs));
                long deadline = stoppedAt + o.convergeSeconds() * 1000;
                for (int i = 0; i < 10_000 && !state.clean() && System.currentTimeMillis() < deadline; i++) {
                    Thread.sleep(1_000);
                    state = FinalState.read(o.dir(), List.of(dbs));
                }
                long convergedAt = System.currentTimeMillis();
                double afterFault = state.clean() ? (convergedAt - lastFault) / 1000.0 : Double.NaN;
                double afterStop = state.clean() ? (convergedAt - stoppedAt) / 1000.0 : Double.NaN;
                Samples samples = Samples.judge(o.dir(), faults, t0);
                return new Result(o, faults, state, afterFault, afterStop, samples,
                        disk == null ? why.toString() : "");
            } finally {
                nodes.quitAll();
            }
        } finally {
            if (disk != null) {
                disk.free();
                disk.unmount();
            }
        }
    }
}
