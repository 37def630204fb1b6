package io.marmot.sqlite;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The connections of this JVM waiting for one database file's write lock, in turns. SQLite tells a waiting connection
 * nothing when the lock is freed: polled every 0.1 ms, ten writers of a pool woke 100,000 times a second on two cores,
 * slowing the one holding the lock. Handed to the first waiter at every commit, it cost a thread switch per
 * transaction (0.85 wake-ups per commit) and lay idle while the woken thread was scheduled: a pool of ten reached
 * 0.5-0.6x plain sqlite-jdbc's rate. Here a connection that is running takes the free lock at once, as with plain
 * SQLite, while the waiters sleep; once the first waiter has been first for {@link #PATIENCE_NANOS}, the next commit
 * wakes it and newcomers wait behind it (0.04 wake-ups per commit), so a waiter's turn comes within about half a
 * millisecond per waiter ahead of it, where plain SQLite's waiters nap up to 100 ms and may starve. The waiter behind
 * one that leaves is woken as it becomes first (asleep for five milliseconds, it let the lock lie idle once the turn
 * ahead of it was over), and a transaction of the engine hands the lock on to the first waiter at once: the engine
 * writes seldom, and a writer that waited behind the publisher's short transaction slept on until its own look,
 * nobody else committing to wake it. Writers of other
 * processes free the lock without a word: the first waiter looks every millisecond, the others every few
 * milliseconds (in case the first no longer waits without having said so). A first waiter that stopped looking for
 * {@link #SILENT_NANOS} has its lock (a statement of the engine's outside its write transactions, which SQLite let
 * through without a word) and leaves the queue: kept, it stayed due, and every writer of the application queued
 * behind it for {@link #TURN_NANOS}, until that engine connection's next transaction (the publisher's, a second
 * later): a writer of 1000-row batches lost 1 s of its 1.4 s this way while its peer was sent a new table.
 */
final class WriteLockQueue {
    private static final long FIRST_LOOKS_NANOS = 1_000_000;
    private static final long OTHERS_LOOK_NANOS = 5_000_000;
    /** How long the first waiter lets running connections take the free lock before it is handed the lock. */
    static final long PATIENCE_NANOS = 500_000;
    /** How long a newcomer keeps behind the waiters before trying the lock anyway (a waiter may have gone silent). */
    private static final long TURN_NANOS = 200_000_000;
    /**
     * A first waiter that has not looked for this long waits no more: twenty of its looks, so a waiter the machine's
     * load kept from running a while is seldom taken for gone (it would only join again, at the back).
     */
    static final long SILENT_NANOS = 20_000_000;
    /**
     * Held weakly: a queue lives as long as a connection to its file has a place in it, so a JVM that opens and
     * deletes many files (a database per request, per test) does not keep one queue per file it ever saw.
     */
    private static final ConcurrentHashMap<String, WeakReference<WriteLockQueue>> FILES = new ConcurrentHashMap<>();
    /** Places handed out; every {@value #SWEEP_EVERY}th drops the entries of queues already collected. */
    private static final AtomicLong PLACES = new AtomicLong();
    private static final int SWEEP_EVERY = 1024;

    /** Guarded by this queue; {@link #head} mirrors its first element for lock-free looks on every statement. */
    private final ArrayDeque<Place> waiting = new ArrayDeque<>();
    private volatile Place head;
    private final SliceRhythm rhythm = new SliceRhythm();
    private final LongHolds longHolds;

    private WriteLockQueue(String file) {
        this.longHolds = new LongHolds(file);
    }

    private synchronized void add(Place p) {
        waiting.addLast(p);
        if (waiting.size() == 1) {
            becomesFirst(p);
        }
    }

    /** @return the waiter that became first by it (null if none did) */
    private synchronized Place remove(Place p) {
        if (waiting.peekFirst() == p) {
            waiting.pollFirst();
            Place next = waiting.peekFirst();
            becomesFirst(next);
            return next;
        }
        waiting.remove(p);
        return null;
    }

    private void becomesFirst(Place p) {
        if (p != null) {
            p.firstSince = System.nanoTime();
            p.lookedAt = p.firstSince;
        }
        head = p;
    }

    /** The first waiter, when it has waited its patience out: the lock is its at the next release. */
    private Place due() {
        Place h = head;
        if (h == null) {
            return null;
        }
        long now = System.nanoTime();
        if (now - h.lookedAt > SILENT_NANOS) {
            dropSilent(h);
            return null; // whoever is first now has its patience ahead of it
        }
        return now - h.firstSince >= PATIENCE_NANOS ? h : null;
    }

    /** The first waiter stopped looking: it has the lock, or gave up without saying so. The next one is first. */
    private void dropSilent(Place h) {
        Place next;
        synchronized (this) {
            if (waiting.peekFirst() != h || System.nanoTime() - h.lookedAt <= SILENT_NANOS) {
                return; // it left, or looked again meanwhile
            }
            h.queued = false;
            waiting.pollFirst();
            next = waiting.peekFirst();
            becomesFirst(next);
        }
        if (next != null) {
            LockSupport.unpark(next.thread);
        }
    }

    /** One connection's place in the queue of its file. */
    static final class Place {
        private final WriteLockQueue queue;
        private volatile Thread thread;
        private volatile boolean queued;
        private volatile long firstSince;
        /** When it last looked at the lock from the busy handler (or became first): it still waits while this is recent. */
        private volatile long lookedAt;

        private Place(WriteLockQueue queue) {
            this.queue = queue;
        }

        private void join() {
            thread = Thread.currentThread();
            if (!queued) {
                queued = true;
                queue.add(this);
            }
        }

        /** The rhythm of the engine's long jobs on this file. */
        SliceRhythm rhythm() {
            return queue.rhythm;
        }

        /** The engine's transactions that held this file's lock long. */
        LongHolds longHolds() {
            return queue.longHolds;
        }

        /** Whether it has a place among the waiters: for tests. */
        boolean queued() {
            return queued;
        }

        private boolean first() {
            return queue.head == this;
        }

        /** In the busy handler: the lock is taken; sleeps until woken for its turn, or looks again. */
        void await() {
            lookedAt = System.nanoTime();
            join();
            LockSupport.parkNanos(first() ? FIRST_LOOKS_NANOS : OTHERS_LOOK_NANOS);
        }

        /** Before a statement that may take the lock: when a waiter's turn has come, waits behind the waiters. */
        void awaitTurn() {
            if (queued) {
                return;
            }
            Place due = queue.due();
            if (due == null) {
                return; // running: it takes the lock if free, else it waits in the busy handler
            }
            join();
            // The lock may be free since before the waiter's turn came: nobody else would wake it now.
            LockSupport.unpark(due.thread);
            long deadline = System.nanoTime() + TURN_NANOS;
            while (!first() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(OTHERS_LOOK_NANOS);
                queue.due(); // drops a first waiter gone silent: this one moves up
            }
        }

        /**
         * This connection took the lock, or stopped waiting for it: it leaves the queue. The waiter behind it, now
         * first, is woken to look every millisecond rather than every few (its patience starts now): asleep for its
         * turn behind a due waiter, it would otherwise sleep on after that waiter's turn was over.
         */
        void left() {
            if (queued) {
                queued = false;
                Place next = queue.remove(this);
                if (next != null) {
                    LockSupport.unpark(next.thread);
                }
            }
        }

        /**
         * This connection freed the lock (or may have): it leaves the queue, and a first waiter whose turn has come
         * tries the lock now (if it is still taken, the waiter sleeps until it is freed).
         */
        void released() {
            left();
            Place due = queue.due();
            if (due != null) {
                LockSupport.unpark(due.thread);
            }
        }

        /**
         * The engine's transaction freed the lock: the first waiter is woken and its turn comes at once. The engine
         * writes seldom (the publisher's group closing and pruning, the applier's slices) and the waiters it made wait
         * gain nothing by patience: a writer that waited behind the publisher slept up to 5 ms after its commit.
         */
        void handedOn() {
            left();
            Place h = queue.head;
            if (h != null) {
                h.firstSince = System.nanoTime() - PATIENCE_NANOS;
                LockSupport.unpark(h.thread);
            }
        }
    }

    /** A place in the queue of {@code file} (an absolute path). */
    static Place placeFor(String file) {
        if (PLACES.incrementAndGet() % SWEEP_EVERY == 0) {
            FILES.values().removeIf(q -> q.get() == null);
        }
        WriteLockQueue[] queue = new WriteLockQueue[1]; // held strongly until the place holds it
        FILES.compute(file, (f, known) -> {
            queue[0] = known == null ? null : known.get();
            if (queue[0] != null) {
                return known;
            }
            queue[0] = new WriteLockQueue(file);
            return new WeakReference<>(queue[0]);
        });
        return new Place(queue[0]);
    }

    /** Files with a queue entry (collected queues not swept yet included): for tests. */
    static int filesKnown() {
        return FILES.size();
    }
}
