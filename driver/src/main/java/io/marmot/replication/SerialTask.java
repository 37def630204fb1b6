package io.marmot.replication;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine's job (its publishing, its applying) run on a pool shared by every engine of the JVM: a step at a
 * time, never two at once, and again when woken meanwhile. A woken task joins the back of the pool's queue, so
 * each engine gets its turn however busy the others are; a step does a bounded amount of work and wakes its task
 * again when more is waiting. Nothing runs while there is nothing to do: only a wake (a commit, a message, a timer)
 * queues a step.
 */
public final class SerialTask {
    private static final Logger log = LoggerFactory.getLogger(SerialTask.class);
    private static final int IDLE = 0;
    private static final int QUEUED = 1;
    private static final int RUNNING = 2;
    private static final int RUNNING_WOKEN = 3;

    private final String name;
    private final Executor pool;
    private final Runnable step;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private volatile boolean stopped;

    /** @param step does a bounded amount of work; wakes the task again when more is left */
    public SerialTask(String name, Executor pool, Runnable step) {
        this.name = name;
        this.pool = pool;
        this.step = step;
    }

    /** Makes sure a step runs after this call (cheap: called on every commit and every arriving message). */
    public void wake() {
        while (!stopped) {
            int s = state.get();
            if (s == IDLE) {
                if (state.compareAndSet(IDLE, QUEUED)) {
                    pool.execute(this::run);
                    return;
                }
            } else if (s == RUNNING) {
                if (state.compareAndSet(RUNNING, RUNNING_WOKEN)) {
                    return;
                }
            } else {
                return; // a step is queued already, or will be
            }
        }
    }

    private void run() {
        state.set(RUNNING);
        try {
            if (!stopped) {
                step.run();
            }
        } catch (RuntimeException | Error e) {
            log.error("{} - unexpected failure of a step (it runs again on the next wake)", name, e);
        } finally {
            while (!state.compareAndSet(RUNNING, IDLE)) {
                if (state.compareAndSet(RUNNING_WOKEN, QUEUED)) { // woken while running: its turn comes again
                    if (stopped) {
                        state.set(IDLE);
                    } else {
                        pool.execute(this::run);
                    }
                    break;
                }
            }
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** No step starts from now on; waits up to {@code timeout} for a running one. Returns whether none runs. */
    public boolean stop(long timeout, TimeUnit unit) {
        stopped = true;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            for (long left = deadline - System.nanoTime(); isRunning() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return !isRunning();
                }
            }
            return !isRunning();
        }
    }

    private boolean isRunning() {
        int s = state.get();
        return s == RUNNING || s == RUNNING_WOKEN;
    }
}
