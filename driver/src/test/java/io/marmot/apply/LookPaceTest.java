package io.marmot.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Idle looks space out to 20 s; after a server of the cluster left they come every 4 s for two minutes. */
class LookPaceTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final LookPace pace = new LookPace();

    @Test
    void idleLooksSpaceOutToTwentySecondsAndShareAListingOfFiveSeconds() {
        long now = System.nanoTime();
        long wait = 0;
        for (int i = 0; i < 6; i++) {
            wait = pace.next(false, now, now);
        }
        assertEquals(LookPace.IDLE_LOOK_EVERY_SECONDS * SECOND, wait);
        assertTrue(pace.idle() && !pace.watching());
        assertEquals(5 * SECOND, pace.listingAtMostNanos(now));
        assertEquals(15 * SECOND, pace.next(false, now - 5 * SECOND, now), "at most 20 s after the listing was asked");
        pace.soon();
        assertTrue(pace.watching());
        assertEquals(LookPace.LOOK_EVERY_SECONDS * SECOND, pace.next(true, now, now), "active: every 2 s");
    }

    @Test
    void aServerLeavingBringsALookAtOnceThenOneEveryFourSeconds() {
        long now = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            pace.next(false, now, now);
        }
        assertFalse(pace.due(), "the next idle look is 20 s away");
        pace.serverLeft();
        assertTrue(pace.due(), "due at once");
        now = System.nanoTime();
        assertTrue(pace.idle(), "still from the shared listing");
        assertEquals(SECOND, pace.listingAtMostNanos(now), "a listing of a second at most");
        for (int i = 0; i < 4; i++) {
            assertEquals(LookPace.ALERT_LOOK_EVERY_SECONDS * SECOND, pace.next(false, now, now));
        }
        assertEquals(3 * SECOND, pace.next(false, now - SECOND, now), "at most 4 s after the listing was asked");
        assertFalse(pace.due());
        long later = now + (LookPace.ALERT_SECONDS + 1) * SECOND;
        assertEquals(8 * SECOND, pace.next(false, later, later), "two minutes on, spacing out again");
    }
}
