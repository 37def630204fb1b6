package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The JVM's write-lock queues go with the last connection to their file: none is kept per file ever opened; a waiter
 * is woken when the engine's transaction ends and when the waiter ahead of it leaves; one that stopped looking is not
 * waited for.
 */
class WriteLockQueueTest {
    /** How long a waiter sleeps here unless something wakes it: far longer than any look of the queue's own. */
    private static final long ASLEEP_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void theEnginesReleaseWakesTheFirstWaiter() throws Exception {
        WriteLockQueue.Place engine = WriteLockQueue.placeFor("/wake/engine.db");
        WriteLockQueue.Place writer = WriteLockQueue.placeFor("/wake/engine.db");
        // The writer waited for the lock the engine holds (the publisher ending a group): once the engine commits it
        // must not sleep on (it slept up to 5 ms, its patience not over, and nobody else committed to wake it).
        long slept = sleepsAfterWaiting(writer, engine::handedOn);
        assertTrue(slept < ASLEEP_NANOS / 4, "the waiter slept " + slept / 1_000_000 + " ms after the engine's commit");
    }

    @Test
    void theWaiterBehindOneThatLeavesIsWoken() throws Exception {
        WriteLockQueue.Place due = WriteLockQueue.placeFor("/wake/turn.db");
        WriteLockQueue.Place next = WriteLockQueue.placeFor("/wake/turn.db");
        due.await(); // first in the queue (sleeps a millisecond's look)
        // The waiter whose turn it was takes the lock: the one behind it is first now, and looks every millisecond
        // rather than every five.
        long slept = sleepsAfterWaiting(next, due::left);
        assertTrue(slept < ASLEEP_NANOS / 4, "the next waiter slept " + slept / 1_000_000 + " ms after the first left");
        due.left();
    }

    @Test
    void aWaiterThatStoppedLookingIsNotWaitedFor() {
        WriteLockQueue.Place engine = WriteLockQueue.placeFor("/silent/engine.db");
        WriteLockQueue.Place writer = WriteLockQueue.placeFor("/silent/engine.db");
        // A statement of the engine's outside its write transactions (an auto-commit DELETE of the publisher's) waited
        // in the busy handler, then SQLite let it through: it looked no more, and nothing told the queue it left.
        engine.await();
        long silent = System.nanoTime() + WriteLockQueue.SILENT_NANOS + 1_000_000;
        while (System.nanoTime() - silent < 0) {
            LockSupport.parkNanos(silent - System.nanoTime());
        }
        // The application's next transaction: it must not queue behind that place, which would never take its turn
        // (it queued for 200 ms, and the next writer again, until the engine's next transaction on that connection).
        writer.awaitTurn();
        boolean queuedBehind = writer.queued();
        writer.left();
        assertFalse(queuedBehind, "the writer queued behind a waiter that no longer waits");
        assertFalse(engine.queued(), "a waiter that stopped looking keeps its place");
    }

    /** Nanoseconds {@code waiter}'s thread slept after joining the queue while {@code then} ran on this thread. */
    private static long sleepsAfterWaiting(WriteLockQueue.Place waiter, Runnable then) throws Exception {
        AtomicLong joined = new AtomicLong();
        AtomicLong slept = new AtomicLong(-1);
        Thread t = new Thread(() -> {
            waiter.await(); // joins the queue, sleeps a look
            joined.set(1);
            long s = System.nanoTime();
            LockSupport.parkNanos(ASLEEP_NANOS); // returns at once if it was woken since (or is woken while here)
            slept.set(System.nanoTime() - s);
        });
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (joined.get() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        then.run();
        t.join(TimeUnit.NANOSECONDS.toMillis(ASLEEP_NANOS) + 5_000);
        waiter.left();
        return slept.get();
    }

    @Test
    void queuesOfFilesNoConnectionUsesAnyMoreAreForgotten() {
        List<WriteLockQueue.Place> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(WriteLockQueue.placeFor("/held/" + i + ".db"));
        }
        for (int i = 0; i < 5_000; i++) {
            WriteLockQueue.placeFor("/gone/" + i + ".db"); // a connection opened and closed: its place dropped
        }
        int known = WriteLockQueue.filesKnown();
        for (int round = 0; round < 50 && known >= 1_000; round++) {
            System.gc();
            for (int i = 0; i < 1024; i++) { // places for files still in use: sweeps on the way
                WriteLockQueue.placeFor("/held/" + i % 100 + ".db");
            }
            known = WriteLockQueue.filesKnown();
        }
        assertTrue(known < 1_000, known + " files still have a queue after 5,000 were dropped");
        assertTrue(known >= 100, "the queues of files in use stay (" + known + ")");
        held.clear();
    }
}
