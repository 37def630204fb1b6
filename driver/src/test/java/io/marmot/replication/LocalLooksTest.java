package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JVM's sweep of local looks: however many databases look, one thread wakes a few dozen times a second; a quiet
 * look still comes at least once a second (the bound on noticing another process's commit), an active one at its
 * short interval.
 */
class LocalLooksTest {
    private final List<LocalLooks.Entry> entries = new ArrayList<>();

    @AfterEach
    void close() {
        entries.forEach(LocalLooks.Entry::close);
    }

    @Test
    void aThousandQuietLooksWakeOneThreadAFewDozenTimesASecondAndEachLooksEverySecond() throws Exception {
        LocalLooks looks = MarmotRuntime.get().looks();
        AtomicInteger made = new AtomicInteger();
        ConcurrentLinkedQueue<Long> watched = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 1000; i++) {
            boolean watch = i == 0;
            entries.add(looks.add(Duration.ofMillis(100), () -> {
                made.incrementAndGet();
                if (watch) {
                    watched.add(System.nanoTime());
                }
                return false;
            }));
        }
        long sweeps0 = looks.sweeps();
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(30), "five seconds of looks", () -> System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(5));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long sweeps = looks.sweeps() - sweeps0;
        // 25 ms apart: about 40 a second, whatever the number of looks (a scheduled task per look would be 1,000+)
        assertTrue(sweeps <= 45 * seconds, sweeps + " sweeps in " + seconds + " s");
        assertTrue(made.get() >= 1000 * (seconds - 1.5), made.get() + " looks of 1,000 quiet databases in " + seconds + " s");
        List<Long> at = new ArrayList<>(watched);
        long longest = 0;
        for (int i = 1; i < at.size(); i++) {
            longest = Math.max(longest, at.get(i) - at.get(i - 1));
        }
        // never later than due: a second at most, and some slack for a loaded machine's scheduling
        assertTrue(longest <= TimeUnit.MILLISECONDS.toNanos(1300), "quiet looks " + longest / 1e6 + " ms apart");
        assertTrue(at.size() >= 5, at.size() + " looks of one quiet database in " + seconds + " s");
    }

    @Test
    void aLookThatFindsActivityComesAgainAtItsShortInterval() throws Exception {
        LocalLooks looks = MarmotRuntime.get().looks();
        AtomicBoolean active = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
        entries.add(looks.add(Duration.ofMillis(50), () -> {
            seen.add(System.nanoTime());
            return active.get();
        }));
        Await.until(Duration.ofSeconds(20), "twenty active looks", () -> seen.size() >= 20);
        List<Long> at = new ArrayList<>(seen).subList(0, 20);
        long span = at.get(19) - at.get(0);
        // 19 gaps of 50 ms (25 to 50 each, the sweep being early rather than late); quiet pacing would take 15 s
        assertTrue(span < TimeUnit.SECONDS.toNanos(4), "19 active looks took " + span / 1e6 + " ms");
    }

    @Test
    void aClosedLookIsNotMadeAgain() throws Exception {
        LocalLooks looks = MarmotRuntime.get().looks();
        AtomicInteger made = new AtomicInteger();
        LocalLooks.Entry e = looks.add(Duration.ofMillis(20), () -> {
            made.incrementAndGet();
            return true;
        });
        Await.until(Duration.ofSeconds(20), "a look", () -> made.get() > 0);
        e.close();
        int after = made.get(); // one may be running as it closes
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(20), "half a second", () -> System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(made.get() <= after + 1, "looks after the close: " + (made.get() - after));
    }
}
