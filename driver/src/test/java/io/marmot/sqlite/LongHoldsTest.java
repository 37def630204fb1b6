package io.marmot.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class LongHoldsTest {
    private static final long MS = 1_000_000;

    @Test
    void saysTheFirstLongHoldAtOnceAndLaterOnesOnceAMinuteWithTheirCount() {
        LongHolds holds = new LongHolds("/data/app.db");
        assertNull(holds.note(999 * MS, "marmot-apply-1", 0), "under a second: not long");
        assertEquals("the engine (marmot-apply-1) held the write lock of /data/app.db for 1300 ms: the application's"
                + " writers and other processes waited as long", holds.note(1300 * MS, "marmot-apply-1", 0));
        assertNull(holds.note(2000 * MS, "marmot-apply-2", 10_000 * MS));
        assertNull(holds.note(1500 * MS, "marmot-publish-1", 30_000 * MS));
        assertEquals("the engine (marmot-apply-1) held the write lock of /data/app.db for 1100 ms: the application's"
                + " writers and other processes waited as long (3 such holds since the last line, the longest 2000 ms)",
                holds.note(1100 * MS, "marmot-apply-1", 60_000 * MS));
        assertNull(holds.note(1100 * MS, "marmot-apply-1", 61_000 * MS));
    }
}
