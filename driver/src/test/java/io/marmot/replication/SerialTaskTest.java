package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Engines' work on a shared pool: one step of a task at a time, none lost, every task its turn. */
class SerialTaskTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void stepsOfOneTaskNeverOverlapAndAWakeDuringAStepRunsAnother() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger steps = new AtomicInteger();
        SerialTask task = new SerialTask("t", pool, () -> {
            if (running.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            steps.incrementAndGet();
            Thread.onSpinWait();
            running.decrementAndGet();
        });
        List<Thread> wakers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    task.wake();
                }
            });
            wakers.add(t);
            t.start();
        }
        for (Thread t : wakers) {
            t.join();
        }
        int before = Await.steady(Duration.ofSeconds(10), "the last wake ran: no step running, none starting",
                () -> running.get() == 0 ? steps.get() : -1, n -> n >= 0, Duration.ofMillis(50));
        task.wake();
        Await.until(Duration.ofSeconds(10), "a wake after all that runs a step", () -> steps.get() == before + 1);
        assertEquals(0, overlaps.get());
        assertTrue(steps.get() < 80_000, "wakes while one is queued fold into it: " + steps.get());
    }

    @Test
    void aBusyTaskDoesNotStarveTheOthers() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            AtomicInteger busySteps = new AtomicInteger();
            SerialTask[] busy = new SerialTask[1];
            busy[0] = new SerialTask("busy", one, () -> {
                busySteps.incrementAndGet();
                busy[0].wake(); // always more to do
            });
            CountDownLatch quietRan = new CountDownLatch(1);
            SerialTask quiet = new SerialTask("quiet", one, quietRan::countDown);
            busy[0].wake();
            Await.until(Duration.ofSeconds(5), "the busy task runs", () -> busySteps.get() > 100);
            quiet.wake();
            assertTrue(quietRan.await(5, TimeUnit.SECONDS), "the quiet task got its turn on the one thread");
            assertTrue(busy[0].stop(5, TimeUnit.SECONDS));
            int after = busySteps.get();
            Thread.sleep(100); // the window under test: a step after stop would show in it (absence cannot be awaited)
            assertEquals(after, busySteps.get(), "no step after stop");
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void stopWaitsForTheRunningStepWithinItsBound() throws Exception {
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SerialTask task = new SerialTask("slow", pool, () -> {
            inStep.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        task.wake();
        assertTrue(inStep.await(5, TimeUnit.SECONDS));
        long t0 = System.nanoTime();
        assertFalse(task.stop(200, TimeUnit.MILLISECONDS), "still running");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "bounded");
        release.countDown();
        assertTrue(task.stop(5, TimeUnit.SECONDS));
    }
}
