package io.marmot.sqlite;

import java.util.concurrent.locks.LockSupport;

/**
 * How the engine's long jobs on one database file (a backlog folded, a log pruned), whichever of its threads runs
 * them, share the write lock with the writers of other processes: slices hold it in bursts of about {@link #BURST_NANOS},
 * then leave it free for {@link #BREATHER_NANOS}. The engine's short transactions (a group closed, a transaction
 * applied) do not wait: a try of the other writer seldom falls on one.
 * <p>
 * Another process's writer waits in SQLite's busy handler, which tries the lock after naps of 1, 2, 5, 10, 15 and
 * 20 ms: it waits over 50 ms only when its tries at 0, 1, 3, 8, 18 and 33 ms all find the lock held. A free spell of
 * 20 ms, longer than the 15 ms between its fifth and sixth try, holds one of them whenever it begins within 33 ms,
 * so a wait over 50 ms needs one burst held for over 30 ms (a garbage collection inside a slice). Before, each slice
 * paused for as long as it had held the lock, but the fold of one thread, the prune of another and their short
 * transactions followed each other back to back, and the tries fell on 33.5, 53.6 and 78.7 ms.
 */
final class SliceRhythm {
    static final long BURST_NANOS = 10_000_000;
    static final long BREATHER_NANOS = 20_000_000;

    /** Guarded by this: when the burst under way began, and when its last slice freed the lock. */
    private long burstBegan;
    private long lastFreed = System.nanoTime() - BREATHER_NANOS;
    /** Before this (nanoTime), no slice of the engine's begins on the file. */
    private volatile long breatherEnds = lastFreed;

    boolean breathing() {
        return breatherEnds - System.nanoTime() > 0;
    }

    /** Before a slice: waits out a breather under way (at most 20 ms). */
    void awaitBreather() {
        for (long left = breatherEnds - System.nanoTime(); left > 0; left = breatherEnds - System.nanoTime()) {
            LockSupport.parkNanos(Math.min(left, BREATHER_NANOS));
        }
    }

    /**
     * A slice held the lock from {@code locked} until {@code freed} (nanoTime); {@code more}: its job has more to do. A
     * burst long enough earns a breather. A job done in one short slice (the applier folding the few rows committed
     * since its last transaction, before each) begins no burst: counted, a busy applier took a breather every 10 ms.
     */
    synchronized void held(long locked, long freed, boolean more) {
        boolean continues = locked - lastFreed < BREATHER_NANOS;
        if (!continues && !more && freed - locked < BURST_NANOS) {
            return;
        }
        if (!continues) {
            burstBegan = locked;
        }
        lastFreed = freed;
        if (freed - burstBegan >= BURST_NANOS) {
            breatherEnds = freed + BREATHER_NANOS;
            lastFreed = freed - BREATHER_NANOS; // the next slice begins a burst of its own
        }
    }
}
