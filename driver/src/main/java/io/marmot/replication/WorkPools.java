package io.marmot.replication;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads every engine of this JVM shares, a fixed few whatever the number of databases: publishing, applying
 * (each engine's work runs there as a {@link SerialTask}, queued in turn) and one timer that only wakes tasks
 * (polls, lingering, back-off). Idle pool threads end after a while, so a JVM whose engines are closed holds none.
 */
public final class WorkPools {
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** Publishing waits for JetStream's acknowledgements: more threads than cores keep the network busy. */
    public static final int PUBLISH_THREADS = Math.min(8, Math.max(4, CORES));
    /**
     * Applying is SQLite work, about a thread per core, and a few more: a step may wait for a database's write lock
     * while an application's transaction holds it, and the other databases must not wait with it.
     */
    public static final int APPLY_THREADS = Math.min(8, Math.max(4, CORES));

    public static final ExecutorService PUBLISH = pool(PUBLISH_THREADS, "marmot-publish");
    public static final ExecutorService APPLY = pool(APPLY_THREADS, "marmot-apply");
    /** Change listeners' deliveries: application code, kept off the publishing and applying threads. */
    public static final ExecutorService LISTEN = pool(2, "marmot-listen");
    public static final ScheduledExecutorService TIMER = timer();
    /**
     * Anti-entropy, shared by every engine so that a thousand databases do not keep a thousand threads: passes (which
     * wait for a peer's answers) and the answers to peers' questions (SQLite reads, never a wait on NATS) have a pool
     * each, so that two nodes of one JVM repairing from each other cannot hold every thread while waiting.
     */
    public static final ExecutorService REPAIR_PASSES = pool(2, "marmot-repair");
    public static final ExecutorService REPAIR_ANSWERS = pool(2, "marmot-repair-answers");

    private WorkPools() {
    }

    /** A fixed pool with a FIFO queue: a task woken joins the back, so every engine gets its turn. */
    private static ExecutorService pool(int threads, String name) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Daemons.factory(name));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, Daemons.factory("marmot-timer"));
        t.setRemoveOnCancelPolicy(true); // a closed engine's timers do not linger in the queue
        return t;
    }

    /** Wakes the task after a delay. */
    public static void wakeLater(SerialTask task, long delay, TimeUnit unit) {
        TIMER.schedule(task::wake, delay, unit);
    }
}
