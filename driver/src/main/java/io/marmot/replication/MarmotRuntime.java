package io.marmot.replication;

import io.marmot.clock.ClusterId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one owner of this JVM's Marmot state: the threads every engine shares, the id generators, and the registries
 * of higher layers (running engines, shared NATS connections, embedded servers, restores), which this package cannot
 * name and which therefore register here as a {@link Registry} under a {@link RegistryKey}. Created on first use,
 * closed by {@code Marmot.closeAll} or at the JVM's exit: registries first (engines before the connections they
 * used), then the threads; the next use makes a new one. Whatever the number of databases, the threads are a fixed
 * few; {@link #THREADS} lists them with the per-connection and per-database ones, and docs/architecture.md's thread
 * section is checked against that list by a test. No other static field of the driver holds mutable state
 * ({@code StaticStateTest}).
 */
public final class MarmotRuntime {
    /** State of a higher layer that this runtime owns: made on first use, emptied (its resources let go) at close. */
    public interface Registry {
        void close();
    }

    /**
     * Names a registry and how to make it. The higher its {@code closeRank} (by convention, its package's layer), the
     * earlier it closes: engines go before the connections and servers they used.
     */
    public record RegistryKey<T extends Registry>(String name, int closeRank, Supplier<T> make) {
    }
    /** A kind of Marmot thread: its name as a thread dump shows it, how many there are, and what it does. */
    public record ThreadKind(String name, String count, String job) {
    }

    /** Threads of each shared NATS connection for engines' set-up, claims and verification rounds. */
    public static final int ENGINE_THREADS_PER_CONNECTION = 4;

    /** Every kind of thread Marmot starts. */
    public static final List<ThreadKind> THREADS = List.of(
            new ThreadKind("marmot-publish-<n>", WorkPools.PUBLISH_THREADS + " per JVM", "publishers' steps (SerialTask)"),
            new ThreadKind("marmot-apply-<n>", WorkPools.APPLY_THREADS + " per JVM", "appliers' steps (SerialTask)"),
            new ThreadKind("marmot-listen-<n>", "2 per JVM", "change listeners' deliveries"),
            new ThreadKind("marmot-timer-1", "1 per JVM", "wakes appliers' ticks, lingering and back-offs"),
            new ThreadKind("marmot-looks-1", "1 per JVM", "the local looks (LocalLooks): a stat of every database's WAL,"
                    + " waking its publisher and schema watcher when written; health watches; a trim of the C heap when the"
                    + " process grew (NativeHeapTrim); the count of open descriptors (DescriptorPressure)"),
            new ThreadKind("marmot-schema-<n>", "up to 2 per JVM, while WALs are written",
                    "schema watchers' reads for other processes' DDL"),
            new ThreadKind("marmot-fingerprints-1", "1 per JVM", "schema fingerprints, published and compared"),
            new ThreadKind("marmot-locks-1", "1 per JVM", "renewals of held cluster locks"),
            new ThreadKind("marmot-nats-<c>-reader-<n>", "1 per NATS connection", "the client's socket reader"),
            new ThreadKind("marmot-nats-<c>-writer-<n>", "1 per NATS connection", "the client's socket writer"),
            new ThreadKind("marmot-nats-<c>-timer-<n>", "1 per NATS connection", "the client's timers, engines' periodic work"),
            new ThreadKind("marmot-nats-<c>-engines-<n>", ENGINE_THREADS_PER_CONNECTION + " per NATS connection",
                    "engines' set-up, node-id claims, verification rounds"),
            new ThreadKind("marmot-nats-<c>-<n>", "1 per NATS connection", "the connection's one dispatcher: every"
                    + " engine's stream feeds and repair questions"),
            new ThreadKind("marmot-nats-<c>-connect-<n>", "1 per NATS connection, while connecting", "the first connect"),
            new ThreadKind("marmot-nats-<c>-callback-<n>", "1 per NATS connection", "the client's connection events"),
            new ThreadKind("marmot-repair-<n>", "2 per JVM", "verification's repair passes"),
            new ThreadKind("marmot-repair-answers-<n>", "2 per JVM", "answers to peers' repair questions"),
            new ThreadKind("marmot-<node>-snapshot-lease-<n>", "1 per database, while it takes a snapshot",
                    "the snapshot lease's renewal"),
            new ThreadKind("marmot-nats-<port>-supervisor", "1 per embedded nats-server", "restarts the embedded server"),
            new ThreadKind("marmot-nats-once-<k>-<n>", "briefly, per one-shot connection",
                    "a restore before an engine runs, --save-snapshot, --list-snapshots"),
            new ThreadKind("marmot-reconnect", "briefly, after a feed's server failed", "moves the connection"),
            new ThreadKind("marmot-close-<n>", "up to 16, at Marmot.closeAll", "closes engines in parallel"),
            new ThreadKind("marmot-shutdown", "1, at the JVM's exit", "closes every engine, then this runtime"),
            new ThreadKind("marmot-http", "1, sidecar only", "the sidecar's /health and /metrics"),
            new ThreadKind("marmot-<node>-watcher", "1 per database, sidecar only", "other processes' commits"),
            new ThreadKind("marmot-sidecar-shutdown", "1, sidecar only, at exit", "the sidecar's clean stop"));

    /** The one static mutable field of the driver's state: this JVM's runtime while it is open. */
    private static MarmotRuntime current;

    private final Map<RegistryKey<?>, Registry> registries = new LinkedHashMap<>();
    /** One generator per node id, as each node of a cluster has its own in its own JVM (see {@link ClusterId}). */
    private final Map<Long, ClusterId> ids = new ConcurrentHashMap<>();
    private final FeedBuffers feedBuffers = new FeedBuffers();
    private final Thread exitHook = new Thread(() -> close(this), "marmot-shutdown");

    private final ExecutorService publish = WorkPools.pool(WorkPools.PUBLISH_THREADS, "marmot-publish");
    private final ExecutorService apply = WorkPools.pool(WorkPools.APPLY_THREADS, "marmot-apply");
    private final ExecutorService listen = WorkPools.pool(2, "marmot-listen");
    private final ScheduledExecutorService timer = timer(1, "marmot-timer");
    private final ScheduledThreadPoolExecutor looksThread = timer(1, "marmot-looks");
    private final LocalLooks looks = new LocalLooks(looksThread);
    private final DescriptorPressure descriptors = new DescriptorPressure();
    private final io.marmot.sqlite.EngineConnections engineConnections =
            io.marmot.sqlite.EngineConnections.forProcess(descriptors.limit());
    private final ExecutorService schemaWatch = WorkPools.pool(2, "marmot-schema");
    private final ScheduledExecutorService fingerprints = timer(1, "marmot-fingerprints");
    private final ScheduledExecutorService lockRenewals = timer(1, "marmot-locks");
    /*
     * Anti-entropy, shared by every engine so that a thousand databases do not keep a thousand threads: passes (which
     * wait for a peer's answers) and the answers to peers' questions (SQLite reads, never a wait on NATS) have a pool
     * each, so that two nodes of one JVM repairing from each other cannot hold every thread while waiting.
     */
    private final ExecutorService repairPasses = WorkPools.pool(2, "marmot-repair");
    private final ExecutorService repairAnswers = WorkPools.pool(2, "marmot-repair-answers");

    private MarmotRuntime() {
        if (descriptors.measurable()) {
            looksThread.scheduleWithFixedDelay(descriptors, 1, 1, TimeUnit.SECONDS);
        }
        NativeHeapTrim trim = NativeHeapTrim.ifUseful();
        if (trim != null) {
            looksThread.scheduleWithFixedDelay(trim, NativeHeapTrim.PERIOD_SECONDS, NativeHeapTrim.PERIOD_SECONDS,
                    TimeUnit.SECONDS);
        }
    }

    /** This JVM's runtime, created on first use. */
    public static synchronized MarmotRuntime get() {
        if (current == null) {
            current = new MarmotRuntime();
            Runtime.getRuntime().addShutdownHook(current.exitHook);
        }
        return current;
    }

    /** This JVM's runtime if one is open, else null (closing something needs no new runtime). */
    public static synchronized MarmotRuntime existing() {
        return current;
    }

    /**
     * Closes this JVM's runtime, if open: every registry (highest rank first: the engines, then what they shared), then
     * every shared thread. Nothing Marmot started is left; the next use opens a new runtime.
     */
    public static void closeCurrent() {
        MarmotRuntime r = existing();
        if (r != null) {
            close(r);
        }
    }

    private static void close(MarmotRuntime r) {
        List<Registry> open;
        synchronized (r) {
            List<Map.Entry<RegistryKey<?>, Registry>> entries = new ArrayList<>(r.registries.entrySet());
            entries.sort(Comparator.comparingInt((Map.Entry<RegistryKey<?>, Registry> e) -> e.getKey().closeRank()).reversed());
            open = entries.stream().map(Map.Entry::getValue).toList();
        }
        open.forEach(Registry::close); // outside the lock: an engine closing lets go of its connection here
        synchronized (MarmotRuntime.class) {
            synchronized (r) {
                r.registries.clear();
            }
            r.ids.clear();
            for (ExecutorService e : List.of(r.publish, r.apply, r.listen, r.timer, r.looksThread, r.schemaWatch,
                    r.fingerprints, r.lockRenewals, r.repairPasses, r.repairAnswers)) {
                e.shutdownNow();
            }
            if (current == r) {
                current = null;
                if (Thread.currentThread() != r.exitHook) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(r.exitHook);
                    } catch (IllegalStateException exiting) {
                        // the JVM is shutting down: the hook goes with it
                    }
                }
            }
        }
    }

    /** The registry named by {@code key}, made on first use. */
    @SuppressWarnings("unchecked") // the key made it: its type
    public synchronized <T extends Registry> T registry(RegistryKey<T> key) {
        return (T) registries.computeIfAbsent(key, k -> k.make().get());
    }

    /** How many registries hold state (for tests: none after close). */
    public synchronized int registries() {
        return registries.size();
    }

    /** The memory budget of every engine's stream feeds. */
    public FeedBuffers feedBuffers() {
        return feedBuffers;
    }

    /** This JVM's id generator of node {@code nodeId}: the ids of a node only grow while this runtime is open. */
    public ClusterId ids(long nodeId) {
        ClusterId.checkNode(nodeId);
        return ids.computeIfAbsent(nodeId, n -> new ClusterId(System::currentTimeMillis));
    }

    public ExecutorService publish() {
        return publish;
    }

    public ExecutorService apply() {
        return apply;
    }

    public ExecutorService listen() {
        return listen;
    }

    /** Only wakes tasks: nothing that takes time runs on it. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** Every database's local looks: one sweep, one thread. */
    public LocalLooks looks() {
        return looks;
    }

    /** The bound on the engines' own SQLite connections open at once in this JVM. */
    public io.marmot.sqlite.EngineConnections engineConnections() {
        return engineConnections;
    }

    /** Whether the process runs short of file descriptors, so that engines close idle connections at once. */
    public DescriptorPressure descriptors() {
        return descriptors;
    }

    /** The schema watchers' reads, once the sweep found the WAL written (short queries). */
    public ExecutorService schemaWatch() {
        return schemaWatch;
    }

    public ScheduledExecutorService fingerprints() {
        return fingerprints;
    }

    public ScheduledExecutorService lockRenewals() {
        return lockRenewals;
    }

    /** Verification's repair passes (they wait for peers' answers). */
    public ExecutorService repairPasses() {
        return repairPasses;
    }

    /** Answers to peers' repair questions: SQLite reads, never a wait on NATS. */
    public ExecutorService repairAnswers() {
        return repairAnswers;
    }

    private static ScheduledThreadPoolExecutor timer(int threads, String name) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(threads, Daemons.factory(name));
        t.setRemoveOnCancelPolicy(true); // a closed engine's timers do not linger in the queue
        return t;
    }
}
