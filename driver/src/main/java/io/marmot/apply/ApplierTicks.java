package io.marmot.apply;

import io.marmot.replication.IdlePace;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The applier's timer: one tick at a time, the step that took a tick setting the next. Paced (0.5 s after work, up
 * to 4 s, never past the feeds' next look) while something may still be due: parked messages, positions due,
 * restarts, the watchdog. Once the applier is quiet (its connection closed, nothing waiting), the next tick comes
 * only when its feeds' next look is due, so an idle database costs one step per look (every 20 s while idle) rather
 * than one every 4 s; a write of the database ({@link #written}) brings such a sleeping tick forward.
 */
final class ApplierTicks {
    private static final long TICK_MILLIS = 500;

    private final ScheduledExecutorService timer;
    private final Runnable wake;
    private final IdlePace pace = new IdlePace(Duration.ofMillis(TICK_MILLIS), Duration.ofSeconds(4));
    private volatile ScheduledFuture<?> tick;
    private volatile boolean due;
    /** The pending tick waits for the feeds' next look only: a write of the database brings it forward. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private volatile boolean closed;

    /** @param wake wakes the applier's step (which then takes the tick) */
    ApplierTicks(ScheduledExecutorService timer, Runnable wake) {
        this.timer = timer;
        this.wake = wake;
    }

    void start() {
        in(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
    }

    /** Whether a tick woke this step; taken, the step sets the next one ({@link #after}). */
    boolean take() {
        boolean t = due;
        due = false;
        return t;
    }

    /** A step no tick woke found work: the next ticks come soon again. */
    void active() {
        pace.active();
    }

    /**
     * Sets the next tick after a step that took one.
     *
     * @param quiet nothing but the feeds' next look waits
     * @param untilLookNanos when that look is due
     */
    void after(boolean busy, boolean quiet, long untilLookNanos) {
        long wait = pace.next(busy);
        if (quiet && untilLookNanos > wait) {
            in(untilLookNanos);
            sleeping.set(true); // after tick is set: a written() that sees it cancels this tick
        } else {
            in(Math.max(0, Math.min(wait, untilLookNanos))); // a look due before the paced tick is not put off
        }
    }

    /**
     * The database's WAL was written (seen by the JVM's sweep): a tick waiting for the feeds' next look comes now
     * instead, so the upkeep a commit may call for (parked messages, waiting schema changes) is not put off. Also when
     * a server of the cluster left, so that the watchdog's looks take their faster pace at once.
     */
    void written() {
        if (sleeping.compareAndSet(true, false)) {
            ScheduledFuture<?> t = tick;
            if (t != null && t.cancel(false)) { // cancelled: no step took it, none sets the next
                pace.active();
                in(pace.next(false));
            }
        }
    }

    void close() {
        closed = true;
        ScheduledFuture<?> t = tick;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void in(long nanos) {
        if (!closed) {
            try {
                tick = timer.schedule(() -> {
                    sleeping.set(false);
                    due = true;
                    wake.run();
                }, nanos, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The runtime closed its timer: a step that outlived its engine's close (10,000 closed at once) sets
                // no tick, and raises no error for it.
            }
        }
    }
}
