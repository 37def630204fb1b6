package io.marmot.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cluster id's layout, and that ids never repeat or go back, on a clock the test moves. */
class ClusterIdTest {
    private static final long T0 = Instant.parse("2026-12-05T12:00:00Z").toEpochMilli();

    @Test
    void layoutIsTimeThenNodeThenCounter() {
        AtomicLong clock = new AtomicLong(T0);
        ClusterId ids = new ClusterId(clock::get);
        long first = ids.nextId(7);
        long second = ids.nextId(7);
        long expected = (T0 - ClusterId.EPOCH_MILLIS) << 22 | 7L << 10;
        assertEquals(expected, first);
        assertEquals(expected + 1, second, "the counter counts within a millisecond");
        assertEquals(7, ClusterId.nodeOf(first));
        assertEquals(T0, ClusterId.millisOf(first));
        clock.set(T0 + 5);
        long later = ids.nextId(4095);
        assertEquals(4095, ClusterId.nodeOf(later));
        assertEquals(T0 + 5, ClusterId.millisOf(later));
        assertEquals(0, later & 1023, "a new millisecond starts the counter again");
        assertTrue(later > 0 && first > 0);
    }

    @Test
    void theLastMillisecondOfTheTimeBitsIsStillPositive() {
        long end = ClusterId.EPOCH_MILLIS + (1L << ClusterId.TIME_BITS) - 1;
        long id = new ClusterId(() -> end).nextId(ClusterId.MAX_NODE);
        assertTrue(id > 0);
        assertEquals(end, ClusterId.millisOf(id));
        assertEquals(Instant.parse("2094-09-07T15:47:35.551Z").toEpochMilli(), end);
        ClusterId past = new ClusterId(() -> end + 1);
        assertThrows(IllegalStateException.class, () -> past.nextId(1));
    }

    @Test
    void idsKeepGrowingWhenTheClockStepsBackOrTheCounterOverflows() {
        AtomicLong clock = new AtomicLong(T0);
        ClusterId ids = new ClusterId(clock::get);
        long previous = 0;
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 5000; i++) { // 5,000 in one millisecond: the counter carries into the next ones
            long id = ids.nextId(3);
            assertTrue(id > previous, "id " + i + " not above the one before");
            assertTrue(seen.add(id));
            previous = id;
        }
        assertEquals(T0 + 4, ClusterId.millisOf(previous), "ran ahead of the clock by the ids it needed");
        clock.set(T0 - 60_000); // the wall clock steps back a minute
        for (int i = 0; i < 100; i++) {
            long id = ids.nextId(3);
            assertTrue(id > previous && seen.add(id), "an id after the clock stepped back went back or repeated");
            previous = id;
        }
        clock.set(T0 + 1_000);
        long afterCatchingUp = ids.nextId(3);
        assertEquals(T0 + 1_000, ClusterId.millisOf(afterCatchingUp), "back on the wall clock once it passed the ids");
    }

    @Test
    void twoNodesOnTheSameClockNeverCollide() throws InterruptedException {
        AtomicLong clock = new AtomicLong(T0);
        ClusterId node1 = new ClusterId(clock::get);
        ClusterId node2 = new ClusterId(clock::get); // another JVM: its own generator, the same millisecond
        Set<Long> all = ConcurrentHashMap.newKeySet();
        Thread a = new Thread(() -> { for (int i = 0; i < 20_000; i++) { all.add(node1.nextId(1)); } });
        Thread b = new Thread(() -> { for (int i = 0; i < 20_000; i++) { all.add(node2.nextId(2)); } });
        a.start();
        b.start();
        a.join(10_000);
        b.join(10_000);
        assertEquals(40_000, all.size());
    }

    @Test
    void threadsOfOneJvmGetDistinctIds() throws InterruptedException {
        Set<Long> all = ConcurrentHashMap.newKeySet();
        ClusterId ids = new ClusterId(System::currentTimeMillis); // one node's generator, as MarmotRuntime keeps it
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> { for (int i = 0; i < 10_000; i++) { all.add(ids.nextId(9)); } });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertEquals(40_000, all.size());
    }

    @Test
    void nodeIdsThatDoNotFitAreRefusedByName() {
        ClusterId ids = new ClusterId(() -> T0);
        for (long bad : new long[] {0, -1, 4096, 1L << 47}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ids.nextId(bad));
            assertTrue(e.getMessage().contains("node-id from 1 to 4095") && e.getMessage().contains("runs as " + bad),
                    e.getMessage());
        }
    }
}
