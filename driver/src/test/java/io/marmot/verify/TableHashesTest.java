package io.marmot.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.clock.ChangedKeys;
import io.marmot.clock.ColumnClaim;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowState;
import io.marmot.clock.RowStateCodec;
import io.marmot.clock.Stamp;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-range hashes on real SQLite files: hashing again only the marked ranges, or sweeping in bounded steps, gives
 * exactly what reading the table whole gives; and the repair messages carry keys, rows and versions intact.
 */
class TableHashesTest {
    @TempDir
    Path dir;

    @Test
    void markedRangesAndTheSweepGiveWhatAFullReadGives() throws Exception {
        try (Connection c = Sqlite.open(dir.resolve("h.db"))) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
                            + " INSERT INTO t SELECT i, 'v' || i FROM n");
            TableHashes h = TableHashes.scan(c, SchemaReader.table(c, "t"));
            assertEquals(10_000, h.rows());
            assertEquals(10, h.ranges().size(), "ranges of 1,024 keys");

            Db.exec(c, "UPDATE t SET v = 'changed' WHERE id = 5000", "DELETE FROM t WHERE id = 20",
                    "INSERT INTO t VALUES (-7, 'negative')");
            long before = h.hash();
            h.rehash(c, new ChangedKeys.Table(Set.of(5000L >> 10, 20L >> 10, -7L >> 10), Set.of(), false));
            assertNotEquals(before, h.hash());
            assertSame(TableHashes.scan(c, SchemaReader.table(c, "t")), h);

            // Writes nobody marked (triggers off): found by the sweep, in bounded steps, also outside known ranges.
            Db.exec(c, "UPDATE t SET v = 'unmarked' WHERE id = 9000", "INSERT INTO t VALUES (1000000000, 'far away')");
            int steps = 0;
            long[] r;
            do {
                r = h.sweep(c, 3000);
                assertTrue(r[0] <= 3000 + TableHashes.RANGE_WIDTH, "bounded: " + r[0]);
                steps++;
            } while (r[1] == 0 && steps < 100);
            assertTrue(steps >= 3, "the sweep took several steps: " + steps);
            assertSame(TableHashes.scan(c, SchemaReader.table(c, "t")), h);
        }
    }

    @Test
    void tablesKeyedByTextAreHashedIntoRangesAndReadAgainWhole() throws Exception {
        try (Connection c = Sqlite.open(dir.resolve("k.db"))) {
            Db.exec(c, "CREATE TABLE p (a TEXT, b INTEGER, x, PRIMARY KEY (a, b)) WITHOUT ROWID",
                    "INSERT INTO p VALUES ('k', 1, 1.5), ('k', 2, X'00ff'), ('l', 1, NULL)");
            TableHashes h = TableHashes.scan(c, SchemaReader.table(c, "p"));
            Db.exec(c, "UPDATE p SET x = 'other' WHERE a = 'k' AND b = 2");
            h.rehash(c, new ChangedKeys.Table(Set.of(), Set.of(1L), false));
            assertSame(TableHashes.scan(c, SchemaReader.table(c, "p")), h);
            TableHashes.Row row = h.row(c, new Object[] {"k", 2L});
            assertEquals("other", row.values()[2]); // columns sorted by name: a, b, x
            assertNull(h.row(c, new Object[] {"k", 3L}));
            long range = h.rangeOf(row.keyValues(), row.key());
            assertEquals(1, h.rowsIn(c, List.of(range)).stream().filter(x -> x.keyValues()[1].equals(2L)).count());
        }
    }

    @Test
    void repairMessagesCarryKeysRowsAndVersions() throws Exception {
        Object[] values = {7L, "text", 1.5, new byte[] {0, 1}, null};
        assertArrayEquals(values, RowKey.decode(RowKey.of(values)));
        RowState state = new RowState(new Stamp(100, 2), false, List.of(
                new ColumnClaim("v", new Stamp(120, 3), false, null)));
        byte[] reply = RepairCodec.rowsReply(true, List.of(
                RepairCodec.row(values, state.row(), RowStateCodec.encode(state)),
                RepairCodec.row(null, Stamp.NONE, RowStateCodec.encode(RowState.UNSEEN))));
        RepairCodec.Rows rows = RepairCodec.readRows(reply);
        assertTrue(rows.unfolded());
        assertArrayEquals(values, rows.rows().get(0).values());
        assertEquals(state, rows.rows().get(0).state());
        assertNull(rows.rows().get(1).values());
        assertEquals(RowState.UNSEEN, rows.rows().get(1).state());

        RepairRequests.Request r = RepairRequests.read(RepairRequests.rows("t", "id,v|id", List.of(RowKey.of(new Object[] {5L}))));
        assertEquals("t", r.table());
        assertArrayEquals(new Object[] {5L}, RowKey.decode(r.keys().get(0)));
        RepairCodec.Ranges page = RepairCodec.readRanges(RepairCodec.rangesReply(List.of(new RepairCodec.Range(3, 4, -5)), true));
        assertEquals(List.of(new RepairCodec.Range(3, 4, -5)), page.ranges());
        assertTrue(page.more());
    }

    @Test
    void aRowTooLargeForAReplyIsAnnouncedAndComesInParts() throws Exception {
        Object[] values = {1L, new byte[100_000]};
        RowState state = RowState.alive(new Stamp(9, 4));
        byte[] encoded = RepairCodec.row(values, state.row(), RowStateCodec.encode(state));
        RepairCodec.PeerRow announced = RepairCodec.readRows(RepairCodec.rowsReply(false,
                List.of(RepairCodec.large(encoded)))).rows().get(0);
        assertTrue(announced.large());
        assertEquals(encoded.length, announced.largeBytes());
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        int parts = 0;
        while (whole.size() < announced.largeBytes()) {
            RepairCodec.Part p = RepairCodec.readPart(RepairCodec.partReply(encoded, whole.size(), 30_000));
            assertEquals(announced.largeHash(), p.hash());
            whole.write(p.chunk());
            parts++;
        }
        assertEquals(4, parts);
        RepairCodec.PeerRow row = RepairCodec.readRow(whole.toByteArray());
        assertArrayEquals((byte[]) values[1], (byte[]) row.values()[1]);
        assertEquals(state, row.state());
        RepairRequests.Request r = RepairRequests.read(RepairRequests.part("t", "s", RowKey.of(new Object[] {1L}), 60_000));
        assertEquals(RepairRequests.PART, r.kind());
        assertEquals(60_000, r.after());
    }

    @Test
    void equalVersionsTellATieAndARowWithoutVersionsIsTheOldestAlive() {
        RowState s = RowState.alive(new Stamp(5, 1));
        assertTrue(RepairWriter.sameVersions(s, RowState.alive(new Stamp(5, 1))));
        assertTrue(!RepairWriter.sameVersions(s, RowState.alive(new Stamp(5, 2))));
        assertEquals(RowState.alive(Stamp.NONE), RepairWriter.effective(RowState.UNSEEN, true));
        assertEquals(RowState.UNSEEN, RepairWriter.effective(RowState.UNSEEN, false));
    }

    private static void assertSame(TableHashes expected, TableHashes actual) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.hash(), actual.hash());
        TreeMap<Long, long[]> a = expected.ranges();
        TreeMap<Long, long[]> b = actual.ranges();
        assertEquals(a.keySet(), b.keySet());
        for (Map.Entry<Long, long[]> e : a.entrySet()) {
            assertArrayEquals(e.getValue(), b.get(e.getKey()), "range " + e.getKey());
        }
    }
}
