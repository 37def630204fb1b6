package io.marmot.nats;

import io.marmot.replication.MarmotRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engines of this JVM share of NATS, kept by the {@link MarmotRuntime}: one connection per servers and
 * credentials ({@link NatsLink}), one embedded server per port ({@link EmbeddedNats}). Closing it, after the engines,
 * closes whatever they left open.
 */
final class NatsShared implements MarmotRuntime.Registry {
    /** Closes after the engines (rank 15), which let go of their connections and servers first. */
    static final MarmotRuntime.RegistryKey<NatsShared> KEY = new MarmotRuntime.RegistryKey<>("nats", 7, NatsShared::new);

    /** Guarded by this. */
    final Map<String, NatsLink.Shared> connections = new HashMap<>();
    /** Guarded by itself. */
    final Map<Integer, EmbeddedNats> servers = new HashMap<>();
    /** The key-value buckets opened on these connections, shared by their engines. */
    final OpenedBuckets buckets = new OpenedBuckets();
    /** This JVM's liveness on each connection, which its node-id claims name; guarded by itself, weak keys. */
    final Map<io.nats.client.Connection, ClaimHolder> holders = new java.util.WeakHashMap<>();

    static NatsShared of(MarmotRuntime runtime) {
        return runtime.registry(KEY);
    }

    @Override
    public void close() {
        List<NatsLink.Shared> open;
        List<EmbeddedNats> running;
        synchronized (this) {
            open = new ArrayList<>(connections.values());
            connections.clear();
        }
        synchronized (servers) {
            running = new ArrayList<>(servers.values());
            servers.clear();
        }
        buckets.clear();
        synchronized (holders) {
            holders.clear();
        }
        open.forEach(s -> s.connection().close());
        running.forEach(EmbeddedNats::stop);
    }

    /** Tasks the engines' threads of the connections open in this JVM ran (for tests and the benchmark). */
    static long engineTasks() {
        MarmotRuntime runtime = MarmotRuntime.existing();
        if (runtime == null) {
            return 0;
        }
        NatsShared shared = of(runtime);
        synchronized (shared) {
            return shared.connections.values().stream().mapToLong(s -> s.connection().engineTasks()).sum();
        }
    }

    /** Connections open in this JVM (for tests and the benchmark). */
    static int openConnections() {
        MarmotRuntime runtime = MarmotRuntime.existing();
        if (runtime == null) {
            return 0;
        }
        NatsShared shared = of(runtime);
        synchronized (shared) {
            return shared.connections.size();
        }
    }
}
