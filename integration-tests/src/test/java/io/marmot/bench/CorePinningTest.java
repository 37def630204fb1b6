package io.marmot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's "on a core of its own" rows hold only if the pinning does what it says: the writer alone on the
 * first core, this JVM's other threads (those started later by the writer too) and nats-server's on the second, and
 * all of them back on every core once it is closed.
 */
class CorePinningTest {
    @TempDir
    Path dir;

    @Test
    void coreListsAsLinuxWritesThem() {
        assertEquals(List.of(0, 1), CorePinning.cores("0-1"));
        assertEquals(List.of(4, 6, 7, 8), CorePinning.cores("4,6-8"));
    }

    @Test
    void writerAloneOnTheFirstCoreAndEverythingElseOnTheSecondUntilClosed() throws Exception {
        assumeTrue(CorePinning.available(), "needs Linux, taskset and two cores");
        String all = CorePinning.allowedCores();
        CountDownLatch stop = new CountDownLatch(1);
        long before = parked(stop, "started before");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            long natsPid = nats.pid();
            long later;
            try (CorePinning pinning = new CorePinning(natsPid)) {
                pinning.addWriter();
                String writer = pinning.writerCore();
                String others = pinning.othersCore();
                assertEquals(writer, CorePinning.affinity(ProcessHandle.current().pid(), CorePinning.ownTid()), "the writer");
                assertEquals(others, CorePinning.affinity(ProcessHandle.current().pid(), before), "a thread started before");
                assertEquals(others, CorePinning.affinity(natsPid, natsPid), "nats-server");
                later = parked(stop, "started by the writer"); // inherits the writer's core until the look moves it
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!others.equals(CorePinning.affinity(ProcessHandle.current().pid(), later)) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(others, CorePinning.affinity(ProcessHandle.current().pid(), later), "a thread started by the writer");
                assertEquals(writer, CorePinning.affinity(ProcessHandle.current().pid(), CorePinning.ownTid()), "the writer, still");
            }
            assertEquals(all, CorePinning.affinity(ProcessHandle.current().pid(), CorePinning.ownTid()), "the writer, after close");
            assertEquals(all, CorePinning.affinity(ProcessHandle.current().pid(), later), "the later thread, after close");
            assertEquals(all, CorePinning.affinity(natsPid, natsPid), "nats-server, after close");
        } finally {
            stop.countDown();
        }
    }

    /** A thread that waits for {@code stop}: its id. */
    private static long parked(CountDownLatch stop, String name) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        long[] tid = {0};
        Thread t = new Thread(() -> {
            try {
                tid[0] = CorePinning.ownTid();
                started.countDown();
                stop.await();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        started.await();
        return tid[0];
    }
}
