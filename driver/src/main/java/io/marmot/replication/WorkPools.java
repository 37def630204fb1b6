package io.marmot.replication;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How the pools every engine of this JVM shares are made (their one owner is {@link MarmotRuntime}), a fixed few
 * threads whatever the number of databases: publishing, applying (each engine's work runs there as a
 * {@link SerialTask}, queued in turn) and one timer that only wakes tasks (polls, lingering, back-off). Idle pool
 * threads end after a while, so a JVM whose engines are closed holds none.
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

    private WorkPools() {
    }

    /** A fixed pool with a FIFO queue: a task woken joins the back, so every engine gets its turn. */
    static ExecutorService pool(int threads, String name) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Daemons.factory(name));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** Wakes the task after a delay. */
    public static void wakeLater(ScheduledExecutorService timer, SerialTask task, long delay, TimeUnit unit) {
        timer.schedule(task::wake, delay, unit);
    }
}
