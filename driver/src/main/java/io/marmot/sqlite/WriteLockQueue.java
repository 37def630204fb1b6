package io.marmot.sqlite;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The connections of this JVM waiting for one database file's write lock, first come first served. SQLite tells a
 * waiting connection nothing when the lock is freed, so every waiter used to poll it every 0.1 ms: ten writers of a
 * pool woke 100,000 times a second on two cores, slowing the one holding the lock, and whoever polled at the right
 * moment won. Here the connection that frees the lock (its commit, rollback, or autocommit statement ending) wakes the
 * first waiter at once, the others sleep, and a newcomer queues behind them rather than take the lock from them.
 * Writers of other processes free the lock without a word: the first waiter looks every millisecond, the others every
 * few milliseconds (in case the first no longer waits without having said so).
 */
final class WriteLockQueue {
    private static final long FIRST_LOOKS_NANOS = 1_000_000;
    private static final long OTHERS_LOOK_NANOS = 5_000_000;
    /** How long a newcomer keeps behind the waiters before trying the lock anyway (a waiter may have gone silent). */
    private static final long TURN_NANOS = 200_000_000;
    private static final ConcurrentHashMap<String, WriteLockQueue> FILES = new ConcurrentHashMap<>();

    private final ConcurrentLinkedDeque<Place> waiting = new ConcurrentLinkedDeque<>();

    /** One connection's place in the queue of its file. */
    static final class Place {
        private final WriteLockQueue queue;
        private volatile Thread thread;
        private volatile boolean queued;

        private Place(WriteLockQueue queue) {
            this.queue = queue;
        }

        private void join() {
            thread = Thread.currentThread();
            if (!queued) {
                queued = true;
                queue.waiting.addLast(this);
            }
        }

        private boolean first() {
            return queue.waiting.peekFirst() == this;
        }

        /** In the busy handler: the lock is taken; waits for a turn to try again (a place kept, or the last). */
        void await() {
            join();
            LockSupport.parkNanos(first() ? FIRST_LOOKS_NANOS : OTHERS_LOOK_NANOS);
        }

        /** Before a statement that may take the lock: when others wait for it already, waits behind them. */
        void awaitTurn() {
            if (queue.waiting.isEmpty() || queued) {
                return;
            }
            join();
            long deadline = System.nanoTime() + TURN_NANOS;
            while (!first() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(OTHERS_LOOK_NANOS);
            }
        }

        /**
         * This connection took the lock, freed it, or stopped waiting for it: it leaves the queue, and the first
         * waiter tries the lock now (if it is still taken, the waiter sleeps until it is freed).
         */
        void released() {
            if (queued) {
                queued = false;
                queue.waiting.remove(this);
            }
            Place next = queue.waiting.peekFirst();
            if (next != null) {
                LockSupport.unpark(next.thread);
            }
        }
    }

    /** A place in the queue of {@code file} (an absolute path). */
    static Place placeFor(String file) {
        return new Place(FILES.computeIfAbsent(file, f -> new WriteLockQueue()));
    }
}
