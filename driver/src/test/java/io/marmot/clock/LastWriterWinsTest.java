package io.marmot.clock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The rule itself: versions from clock readings, which of two versions wins, and the row keys they index. */
class LastWriterWinsTest {
    /**
     * An insert written before a column existed (its values lack {@code s}) beats the row's older insert, but not a
     * newer write of {@code s}: that value is read from the table and written back, never left out (NULL).
     */
    @Test
    void anInsertOfAnOlderShapeKeepsTheNewerWriteOfAColumnItLacks() throws Exception {
        Stamp firstInsert = new Stamp(100, 1);
        Stamp olderShapeInsert = new Stamp(200, 2);
        Stamp updateOfS = new Stamp(300, 1);
        RowState state = new RowState(firstInsert, false, java.util.List.of(ColumnClaim.visible("s", updateOfS)));
        java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
        values.put("k", "k");
        values.put("v", "from 2");
        java.util.List<java.util.List<String>> asked = new java.util.ArrayList<>();
        RowMerge.Outcome o = RowMerge.insert(state, olderShapeInsert, values, cols -> {
            asked.add(cols);
            java.util.Map<String, Object> table = java.util.Map.of("k", "k", "v", "from 1", "s", 5L);
            java.util.Map<String, Object> read = new java.util.HashMap<>();
            cols.forEach(c -> read.put(c, table.get(c))); // only what was asked for, as the table's reader does
            return read;
        });
        assertEquals(RowMerge.Action.UPSERT, o.action());
        assertEquals(5L, o.write().get("s"), "the newer s stands: " + o.write() + ", read " + asked);
        assertEquals("from 2", o.write().get("v"));
    }

    @Test
    void versionsFollowTheWallClockWhenItMovesForward() {
        long v1 = Hlc.nextVersion(0, 0, 1, Hlc.ofMillis(1_000));
        long v2 = Hlc.nextVersion(1, v1, 2, Hlc.ofMillis(1_005));
        assertEquals(Hlc.ofMillis(1_000), v1);
        assertEquals(Hlc.ofMillis(1_005), v2);
        assertEquals(1_005, Hlc.millis(v2));
    }

    @Test
    void versionsKeepIncreasingWhenTheWallClockStepsBack() {
        long v1 = Hlc.nextVersion(0, 0, 10, Hlc.ofMillis(5_000));
        long v2 = Hlc.nextVersion(10, v1, 11, Hlc.ofMillis(1_000)); // an hour-long NTP step back, say
        long v3 = Hlc.nextVersion(11, v2, 14, Hlc.ofMillis(1_001));
        assertEquals(v1 + 1, v2);
        assertEquals(v2 + 3, v3, "a gap in the log (rows pruned) still leaves room for each row between");
    }

    @Test
    void everyReaderComputesTheSameVersionsFromTheSameLog() {
        long[] readings = {Hlc.ofMillis(9), Hlc.ofMillis(3), Hlc.ofMillis(3), Hlc.ofMillis(12), 0};
        long[] first = versions(readings, 0);
        long[] resumed = versions(Arrays.copyOfRange(readings, 2, 5), 2);
        // A reader resuming from the position (seq 2, its version) continues exactly where a full read is.
        long[] fromThere = new long[3];
        long prev = first[1];
        for (int i = 0; i < 3; i++) {
            prev = Hlc.nextVersion(i + 1, prev, i + 2, readings[i + 2]);
            fromThere[i] = prev;
        }
        assertArrayEquals(Arrays.copyOfRange(first, 2, 5), fromThere);
        assertEquals(3, resumed.length);
        for (int i = 1; i < first.length; i++) {
            assertTrue(first[i] > first[i - 1], "versions are unique and increase in log order");
        }
    }

    private static long[] versions(long[] readings, int startSeq) {
        long[] out = new long[readings.length];
        long prevSeq = startSeq;
        long prev = 0;
        for (int i = 0; i < readings.length; i++) {
            prev = Hlc.nextVersion(prevSeq, prev, startSeq + i + 1, readings[i]);
            prevSeq = startSeq + i + 1;
            out[i] = prev;
        }
        return out;
    }

    @Test
    void theHigherVersionWinsAndTiesGoToTheHigherNode() {
        assertTrue(Hlc.newer(11, 1, 10, 9));
        assertFalse(Hlc.newer(10, 9, 11, 1));
        assertTrue(Hlc.newer(10, 2, 10, 1));
        assertFalse(Hlc.newer(10, 1, 10, 2));
        assertFalse(Hlc.newer(10, 1, 10, 1), "a duplicate is not newer: applying it twice changes nothing");
    }

    @Test
    void markerReadingStaysAboveTheFloorAndSubtractsTheSkew() {
        String sql = Hlc.markerReading("s", "?");
        assertTrue(sql.contains("s.hlc + 1") && sql.contains("? - s.skew"), sql);
        assertFalse(sql.contains("unixepoch"), "unixepoch('subsec') needs SQLite 3.42: other writers may be older");
    }

    @Test
    void keysOfEqualValuesAreEqualAndAscendingIntegersSortAscending() {
        assertArrayEquals(RowKey.of(new Object[] {"a", 1L}), RowKey.of(new Object[] {"a", 1L}));
        assertNotEquals(Arrays.toString(RowKey.of(new Object[] {1L})), Arrays.toString(RowKey.of(new Object[] {1.0})));
        byte[] previous = RowKey.of(new Object[] {-5L});
        for (long n : new long[] {-1, 0, 1, 255, 256, 1L << 40}) {
            byte[] k = RowKey.of(new Object[] {n});
            assertTrue(Arrays.compareUnsigned(previous, k) < 0, "key of " + n + " sorts after its predecessor");
            previous = k;
        }
    }

    @Test
    void keyBytesStayThoseAlreadyStoredInDatabases() {
        // __marmot_versions holds these bytes: a change of encoding would make every row look new.
        HexFormat hex = HexFormat.of();
        assertEquals("018000000000000007", hex.formatHex(RowKey.of(new Object[] {7L})));
        assertEquals("0302c3a9", hex.formatHex(RowKey.of(new Object[] {"é"})));
        assertEquals("023ff8000000000000", hex.formatHex(RowKey.of(new Object[] {1.5})));
        assertEquals("040201ff00", hex.formatHex(RowKey.of(new Object[] {new byte[] {1, (byte) 0xff}, null})));
        assertEquals("010e", hex.formatHex(RowKey.of(new Object[] {Integer.valueOf(7)})));
    }
}
