package io.marmot.replication;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one owner of the threads every engine of this JVM shares: created on first use, closed at the JVM's exit
 * (after the engines, see {@code Engines}). Whatever the number of databases, these are a fixed few; {@link #THREADS}
 * lists them with the per-connection and per-database ones, and docs/architecture.md's thread section is checked
 * against that list by a test.
 */
public final class MarmotRuntime {
    /** A kind of Marmot thread: its name as a thread dump shows it, how many there are, and what it does. */
    public record ThreadKind(String name, String count, String job) {
    }

    /** Every kind of thread Marmot starts. */
    public static final List<ThreadKind> THREADS = List.of(
            new ThreadKind("marmot-publish-<n>", WorkPools.PUBLISH_THREADS + " per JVM", "publishers' steps (SerialTask)"),
            new ThreadKind("marmot-apply-<n>", WorkPools.APPLY_THREADS + " per JVM", "appliers' steps (SerialTask)"),
            new ThreadKind("marmot-listen-<n>", "2 per JVM", "change listeners' deliveries"),
            new ThreadKind("marmot-timer-1", "1 per JVM", "wakes publishers' polls and appliers' ticks, back-offs"),
            new ThreadKind("marmot-schema-<n>", "2 per JVM", "schema watchers' looks for other processes' DDL"),
            new ThreadKind("marmot-fingerprints-1", "1 per JVM", "schema fingerprints, published and compared"),
            new ThreadKind("marmot-locks-1", "1 per JVM", "renewals of held cluster locks"),
            new ThreadKind("marmot-nats-<c>-reader-<n>", "1 per NATS connection", "the client's socket reader"),
            new ThreadKind("marmot-nats-<c>-writer-<n>", "1 per NATS connection", "the client's socket writer"),
            new ThreadKind("marmot-nats-<c>-timer-<n>", "1 per NATS connection", "the client's timers, engines' periodic work"),
            new ThreadKind("marmot-nats-<c>-engines-<n>", SharedConnection.ENGINE_THREADS + " per NATS connection",
                    "engines' set-up, node-id claims, verification rounds"),
            new ThreadKind("marmot-nats-<c>-<n>", "1 per dispatcher: the feeds' one, and (today) one per replicating database",
                    "dispatchers: the connection's feeds; each database's repair answers"),
            new ThreadKind("marmot-nats-<c>-connect-<n>", "1 per NATS connection, while connecting", "the first connect"),
            new ThreadKind("marmot-nats-<c>-callback-<n>", "1 per NATS connection", "the client's connection events"),
            new ThreadKind("marmot-repair-<node>", "1 per database, while it repairs", "verification's repairs"),
            new ThreadKind("marmot-<node>-snapshot-lease-<n>", "1 per database, while it takes a snapshot",
                    "the snapshot lease's renewal"),
            new ThreadKind("marmot-nats-<port>-supervisor", "1 per embedded nats-server", "restarts the embedded server"),
            new ThreadKind("marmot-reconnect", "briefly, after a feed's server failed", "moves the connection"),
            new ThreadKind("marmot-close-<n>", "up to 16, at Marmot.closeAll", "closes engines in parallel"),
            new ThreadKind("marmot-shutdown", "1, at the JVM's exit", "closes every engine, then this runtime"));

    private static MarmotRuntime current;

    private final ExecutorService publish = WorkPools.pool(WorkPools.PUBLISH_THREADS, "marmot-publish");
    private final ExecutorService apply = WorkPools.pool(WorkPools.APPLY_THREADS, "marmot-apply");
    private final ExecutorService listen = WorkPools.pool(2, "marmot-listen");
    private final ScheduledExecutorService timer = timer(1, "marmot-timer");
    private final ScheduledExecutorService schemaWatch = timer(2, "marmot-schema");
    private final ScheduledExecutorService fingerprints = timer(1, "marmot-fingerprints");
    private final ScheduledExecutorService lockRenewals = timer(1, "marmot-locks");

    private MarmotRuntime() {
    }

    /** This JVM's runtime, created on first use. */
    public static synchronized MarmotRuntime get() {
        if (current == null) {
            current = new MarmotRuntime();
        }
        return current;
    }

    /** At the JVM's exit, once the engines are closed: every shared thread stops. */
    public static synchronized void closeAtExit() {
        if (current != null) {
            current.publish.shutdownNow();
            current.apply.shutdownNow();
            current.listen.shutdownNow();
            current.timer.shutdownNow();
            current.schemaWatch.shutdownNow();
            current.fingerprints.shutdownNow();
            current.lockRenewals.shutdownNow();
        }
    }

    ExecutorService publish() {
        return publish;
    }

    ExecutorService apply() {
        return apply;
    }

    ExecutorService listen() {
        return listen;
    }

    /** Only wakes tasks: nothing that takes time runs on it. */
    ScheduledExecutorService timer() {
        return timer;
    }

    /** The schema watchers' looks (short queries, a stat while the database is quiet). */
    public ScheduledExecutorService schemaWatch() {
        return schemaWatch;
    }

    ScheduledExecutorService fingerprints() {
        return fingerprints;
    }

    ScheduledExecutorService lockRenewals() {
        return lockRenewals;
    }

    private static ScheduledExecutorService timer(int threads, String name) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(threads, Daemons.factory(name));
        t.setRemoveOnCancelPolicy(true); // a closed engine's timers do not linger in the queue
        return t;
    }
}
