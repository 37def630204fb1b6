package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.clock.Hlc;
import org.junit.jupiter.api.Test;

class ClockReferenceTest {
    @Test
    void theOffsetIsTheMiddleOfTheRoundTripAgainstTheServerStamp() {
        ClockReference ref = new ClockReference();
        assertFalse(ref.known());
        ref.sample(3_600_000 + 100, 100 + 2, 3_600_000 + 104); // an hour ahead, a 4 ms round trip
        assertTrue(ref.known());
        assertEquals(3_600_000, ref.offsetMillis());
    }

    @Test
    void theSampleWithTheShortestRoundTripWins() {
        ClockReference ref = new ClockReference();
        ref.sample(10_000, 2_000, 18_000); // an 8 s round trip (bucket creation, a GC pause): +/- 4 s at best
        assertEquals(12_000, ref.offsetMillis());
        for (int i = 1; i <= 5; i++) {
            ref.sample(20_000 * i + 50, 20_000 * i + 1, 20_000 * i + 52); // 50 ms ahead, 2 ms round trips
        }
        ref.sample(200_000, 199_000, 203_000); // slow again: ignored while a better sample is recent
        assertEquals(50, ref.offsetMillis(), 1);
    }

    @Test
    void aStepBackDuringTheSampleIsIgnored() {
        ClockReference ref = new ClockReference();
        ref.sample(1_000, 500, 900);
        assertFalse(ref.known());
    }

    @Test
    void versionsAreHeldWithinTheBoundOfTheReference() {
        assertEquals(0, Hlc.correction(800, 1_000), "within the bound the local clock is trusted");
        assertEquals(0, Hlc.correction(-1_000, 1_000));
        assertEquals(3_599_000, Hlc.correction(3_600_000, 1_000), "an hour ahead runs at most a second ahead");
        assertEquals(-4_000, Hlc.correction(-5_000, 1_000), "behind: pulled up to the bound");
    }
}
