package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marmot.clock.Hlc;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log of the layout before this one (columns {@code hlc}, {@code tx}, {@code rid}; rows logged before markers with
 * their own reading and group, then markers) is upgraded at start without changing what its rows say: the same
 * changes, with the same versions, groups, rowids and changed columns, the open group still open.
 */
class LogLayoutTest {
    @TempDir
    Path dir;

    @Test
    void anEarlierLogReadsTheSameAfterTheUpgrade() throws Exception {
        long h = 1_000_000L << 16;
        try (Connection c = Db.plain(dir.resolve("old.db"))) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "CREATE TABLE d (m, n)",
                    "CREATE TABLE __marmot_state (id INTEGER PRIMARY KEY CHECK (id = 1), node_id INTEGER NOT NULL,"
                            + " hlc INTEGER NOT NULL DEFAULT 0, tx INTEGER NOT NULL DEFAULT 1, applying INTEGER NOT NULL"
                            + " DEFAULT 0, published_seq INTEGER NOT NULL DEFAULT 0, published_version INTEGER NOT NULL"
                            + " DEFAULT 0, folded_seq INTEGER NOT NULL DEFAULT 0, folded_version INTEGER NOT NULL DEFAULT"
                            + " 0, skew INTEGER NOT NULL DEFAULT 0)",
                    "INSERT INTO __marmot_state (id, node_id) VALUES (1, 1)",
                    "CREATE TABLE __marmot_log (seq INTEGER PRIMARY KEY, hlc INTEGER, tx INTEGER, tbl TEXT, op INTEGER,"
                            + " cols INTEGER, rid, mask INTEGER, c0, c1)",
                    // two rows logged before markers, each its own reading, one group, and the marker their upgrade left
                    "INSERT INTO __marmot_log (seq, hlc, tx, tbl, op, cols, c0, c1) VALUES (1, " + h + ", 4, 't', 1, 2, 1, 'a')",
                    "INSERT INTO __marmot_log (seq, hlc, tx, tbl, op, cols, mask, c0, c1) VALUES (2, " + (h + 9) + ", 4, 't', 2,"
                            + " 2, 2, 1, 'b')",
                    "INSERT INTO __marmot_log (seq, hlc, op) VALUES (3, " + (h + 5) + ", 8)",
                    // a group of the markers' time: a rowid table's insert and an update, then the open group
                    "INSERT INTO __marmot_log (seq, tbl, op, cols, rid, c0, c1) VALUES (4, 'd', 1, 2, 7, 'm', X'00')",
                    "INSERT INTO __marmot_log (seq, tbl, op, cols, mask, c0, c1) VALUES (5, 't', 2, 2, 2, 1, 'c')",
                    "INSERT INTO __marmot_log (seq, hlc, op) VALUES (6, " + (h + 20) + ", 8)",
                    "INSERT INTO __marmot_log (seq, tbl, op, cols, rid, c0) VALUES (7, 'd', 3, 2, 7, NULL)");
            assertFalse(ChangeLog.create(c, 1), "an existing database");
            assertEquals(List.of(List.of("seq", "tbl", "op", "mask", "c0", "c1", "c2", "c3", "c4")),
                    List.of(Db.list(c, "SELECT name FROM pragma_table_info('__marmot_log')").stream().map(r -> r.get(0))
                            .toList()), "the new layout, wide enough for a legacy row's reading and group");
            long v1 = Hlc.nextVersion(0, 0, 1, h);
            long v2 = Hlc.nextVersion(1, v1, 2, h + 9);
            long v3 = Hlc.nextVersion(2, v2, 3, h + 5);
            long v4 = Hlc.nextVersion(3, v3, 4, h + 20);
            long v5 = Hlc.nextVersion(4, v4, 5, h + 20);
            assertEquals(List.of(
                    List.of(1L, v1, 4L, "t", 1, "null", "[1, a]", "null"),
                    List.of(2L, v2, 4L, "t", 2, "null", "[1, b]", "[1]"),
                    List.of(4L, v4, -6L, "d", 1, "7", "[m, [0]]", "null"),
                    List.of(5L, v5, -6L, "t", 2, "null", "[1, c]", "[1]")), changes(c),
                    "the same changes and versions; the open group (a delete at 7) not read yet");
            assertEquals(List.of(List.of(7, "d", 3, 2, 7)), Db.list(c, "SELECT seq, tbl, op & 15, op >> 4 & 32767, c2 FROM __marmot_log"
                    + " WHERE seq > 6"), "the open group is left open, the rowid after the row's values");
        }
    }

    private static List<List<Object>> changes(Connection c) throws Exception {
        List<List<Object>> out = new ArrayList<>();
        LoggedChanges changes = new LoggedChanges();
        changes.read(c, LogPosition.START, (seq, version, tx, ch) -> {
            List<Object> values = new ArrayList<>();
            for (Object v : ch.values()) {
                values.add(v instanceof byte[] b ? Arrays.toString(b) : v);
            }
            out.add(List.of(seq, version, tx, ch.table().name(), ch.op(), String.valueOf(ch.rowid()), values.toString(),
                    ch.isUpdate() ? Arrays.toString(ch.writtenColumns()) : "null"));
            return true;
        });
        changes.close();
        return out;
    }
}
