package io.marmot.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When the applier's next tick is set: the delays asked of the timer, recorded (no tick is waited for). */
class ApplierTicksTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** A timer that records each delay and runs nothing. */
    private static final class RecordingTimer extends ScheduledThreadPoolExecutor {
        final List<Long> delays = new ArrayList<>();

        RecordingTimer() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            delays.add(unit.toNanos(delay));
            return super.schedule(() -> { }, 1, TimeUnit.DAYS);
        }

        long last() {
            return delays.get(delays.size() - 1);
        }
    }

    private final RecordingTimer timer = new RecordingTimer();
    private final ApplierTicks ticks = new ApplierTicks(timer, () -> { });

    @AfterEach
    void stop() {
        ticks.close();
        timer.shutdownNow();
    }

    @Test
    void idleStepsSpaceOutToFourSeconds() {
        for (int i = 0; i < 10; i++) {
            ticks.after(false, false, TimeUnit.SECONDS.toNanos(30));
        }
        assertEquals(4_000 * MS, timer.last());
    }

    /** A look due in 1 s came 4 s later, while a server's death left a feed silent (ConsumerHostKilledTest). */
    @Test
    void aLookDueBeforeThePacedTickBringsItForward() {
        for (int i = 0; i < 10; i++) {
            ticks.after(false, false, TimeUnit.SECONDS.toNanos(30));
        }
        ticks.after(false, false, 1_000 * MS);
        assertEquals(1_000 * MS, timer.last());
        ticks.after(false, false, -5 * MS);
        assertEquals(0, timer.last(), "an overdue look: the next step at once");
    }

    @Test
    void aQuietApplierSleepsUntilItsLook() {
        ticks.after(false, true, TimeUnit.SECONDS.toNanos(20));
        assertEquals(20_000 * MS, timer.last());
        ticks.after(true, true, 100 * MS);
        assertTrue(timer.last() <= 100 * MS, timer.last() + " ns");
    }
}
