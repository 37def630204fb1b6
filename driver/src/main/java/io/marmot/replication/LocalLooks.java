package io.marmot.replication;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's one sweep over its databases' local looks (one owner: {@link MarmotRuntime}). A database's look (for
 * commits and schema changes of other processes) is one {@code stat} of its WAL that wakes only what must act on a
 * written file: a thousand idle databases cost a few dozen wake-ups of one thread a second, not two scheduled
 * tasks each, each handed to another thread. Each look keeps its own pace ({@link IdlePace}: its short interval
 * after activity, at most {@link IdlePace#QUIET_POLL} while quiet); the sweep runs every few milliseconds and makes
 * the looks that are due, early by less than its period rather than late, so the quiet bound holds. The looks wait in
 * the order they are due: a sweep touches only those it makes, not every database's.
 */
public final class LocalLooks {
    /** One database's look: runs on the sweep's thread, so it must not wait (a stat, a flag, a wake). */
    public interface Look {
        /** @return whether it found activity: the next look then comes after the short interval again */
        boolean look();
    }

    private static final Logger log = LoggerFactory.getLogger(LocalLooks.class);
    /** The sweep's longest period: about forty wake-ups a second, whatever the number of databases. */
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    private final ScheduledThreadPoolExecutor thread;
    /** Guarded by itself: the registered looks, the soonest due first. */
    private final PriorityQueue<Entry> entries = new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.due));
    private final LongAdder looks = new LongAdder();
    private final LongAdder sweeps = new LongAdder();
    /** Guarded by this: the next sweep, null while no look is registered. */
    private ScheduledFuture<?> next;
    /** Guarded by this: the shortest interval of a registered look, floored (a look is never made later than due). */
    private long periodNanos = PERIOD_NANOS;

    LocalLooks(ScheduledThreadPoolExecutor thread) {
        this.thread = thread;
    }

    /** Registers a look made every {@code shortest} after activity (the first one then too); close the entry to end it. */
    public Entry add(Duration shortest, Look look) {
        Entry e = new Entry(shortest, look);
        synchronized (entries) {
            entries.add(e);
        }
        synchronized (this) {
            periodNanos = Math.min(periodNanos, Math.max(TimeUnit.MILLISECONDS.toNanos(1), shortest.toNanos()));
            if (next == null) {
                next = thread.schedule(this::sweep, periodNanos, TimeUnit.NANOSECONDS);
            }
        }
        return e;
    }

    /** Looks made since this runtime opened (for tests and the benchmark). */
    public long looks() {
        return looks.sum();
    }

    /** Sweeps made since this runtime opened: how often the thread woke. */
    public long sweeps() {
        return sweeps.sum();
    }

    private void sweep() {
        sweeps.increment();
        long period;
        synchronized (this) {
            period = periodNanos;
        }
        long now = System.nanoTime();
        int left; // each look once a sweep at most, whatever intervals were registered meanwhile
        synchronized (entries) {
            left = entries.size();
        }
        boolean empty;
        for (Entry e = dueBefore(now + period); e != null; e = --left > 0 ? dueBefore(now + period) : null) {
            e.lookAndRequeue(now);
        }
        synchronized (entries) {
            empty = entries.isEmpty();
        }
        synchronized (this) {
            if (empty) {
                next = null;
                periodNanos = PERIOD_NANOS;
            } else {
                try {
                    next = thread.schedule(this::sweep, periodNanos, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException closing) {
                    next = null; // the runtime closed: its engines are closed too
                }
            }
        }
    }

    /** The soonest-due look if it is due before {@code limit}, taken out of the queue (closed ones leave it here). */
    private Entry dueBefore(long limit) {
        synchronized (entries) {
            for (Entry e = entries.peek(); e != null; e = entries.peek()) {
                if (e.closed) {
                    entries.poll();
                } else if (e.due - limit < 0) {
                    return entries.poll();
                } else {
                    return null;
                }
            }
            return null;
        }
    }

    /** A registered look and its pace. */
    public final class Entry implements AutoCloseable {
        private final Look look;
        private final IdlePace pace;
        /** When the next look is due (System.nanoTime); changed only while out of the queue. */
        private long due;
        private volatile boolean closed;

        private Entry(Duration shortest, Look look) {
            this.look = look;
            this.pace = IdlePace.poll(shortest);
            this.due = System.nanoTime() + pace.next(false);
        }

        private void lookAndRequeue(long now) {
            boolean found = false;
            try {
                found = look.look();
            } catch (RuntimeException e) { // one database's trouble never stops the others' looks
                log.warn("a local look failed (the next one comes as usual): {}", e.toString());
            }
            looks.increment();
            due = now + pace.next(found);
            synchronized (entries) {
                if (!closed) {
                    entries.add(this);
                }
            }
        }

        /** No look starts after this returns, except one already running on the sweep's thread. */
        @Override
        public void close() {
            closed = true; // the sweep drops it when it comes up: no search through the queue
        }
    }
}
