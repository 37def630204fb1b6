package io.marmot.replication;

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
    void slowRoundTripsAndOutliersDoNotMoveTheEstimate() {
        ClockReference ref = new ClockReference();
        for (int i = 0; i < 6; i++) {
            ref.sample(1_000 * i + 50, 1_000 * i + 1, 1_000 * i + 52); // 50 ms ahead, 2 ms round trips
        }
        ref.sample(10_000, 9_000, 12_000); // a 2 s round trip (a GC pause, a busy server): unreliable
        ref.sample(20_000, 25_000, 20_001); // a wild one
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
