package io.marmot.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.sqlite.Sqlite;
import org.junit.jupiter.api.Test;

class SliceRowsTest {
    @Test
    void growsAtMostTwofoldWhileSlicesAreQuick() {
        SliceRows size = new SliceRows();
        assertEquals(SliceRows.FIRST, size.next());
        size.took(SliceRows.FIRST, Sqlite.SLICE_NANOS / 100);
        assertEquals(2 * SliceRows.FIRST, size.next());
        for (int i = 0; i < 20; i++) {
            size.took(size.next(), 1);
        }
        assertEquals(SliceRows.MAX, size.next());
    }

    @Test
    void fitsTheNextSliceToTheLockHoldAfterASlowOne() {
        SliceRows size = new SliceRows();
        size.took(500, 5 * Sqlite.SLICE_NANOS); // 100 rows per slice's time
        assertEquals(100, size.next());
        size.took(100, Sqlite.SLICE_NANOS / 2);
        assertEquals(200, size.next());
        size.took(200, Sqlite.SLICE_NANOS);
        assertEquals(200, size.next());
    }

    @Test
    void neverBelowTheFloorAndAnEmptySliceTeachesNothing() {
        SliceRows size = new SliceRows();
        size.took(500, 1_000 * Sqlite.SLICE_NANOS);
        assertEquals(SliceRows.MIN, size.next());
        size.took(0, 1);
        assertEquals(SliceRows.MIN, size.next());
    }
}
