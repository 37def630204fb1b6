package io.marmot.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.capture.CaptureOptions;
import io.marmot.capture.CaptureInstaller;
import io.marmot.capture.ChangeLog;
import io.marmot.clock.VersionWriters;
import io.marmot.config.MarmotConfig;
import io.marmot.merge.MergeWriter;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Db;
import io.marmot.wire.RowChange;
import io.marmot.wire.TableShape;
import io.marmot.wire.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The set-based merge gives exactly what the row-by-row merge gives: the same copy merged into two identical live
 * databases, once each way, leaves identical tables, row versions and conflict records. The histories make every
 * case occur: rows only the copy has, rows both hold at the same version, rows both changed, a row here with no
 * version, a unique value held by another row here, a table without a rowid, a table keyed by its rowid.
 */
class SnapshotMergeTest {
    private static final long LOCAL = 99;
    private static final String[] SCHEMA = {
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, u TEXT UNIQUE)",
        "CREATE TABLE r (x TEXT, y INTEGER)",
        "CREATE TABLE w (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID"};
    private static final TableShape T = new TableShape("t", List.of("id", "a", "b", "u"), new int[] {0});
    private static final TableShape R = new TableShape("r", List.of("x", "y"), new int[0]);
    private static final TableShape W = new TableShape("w", List.of("k", "v"), new int[] {0});

    @TempDir
    Path dir;
    private long clock = 1L << 40;

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 2026})
    void setBasedMergeEqualsRowByRowMerge(long seed) throws Exception {
        Random rnd = new Random(seed);
        List<Transaction> shared = history(rnd, 3000);
        Path source = database("source.db", shared, history(rnd, 2000));
        Path live = database("live.db", shared, history(rnd, 500));
        try (Connection c = Sqlite.open(live)) {
            try (Statement s = c.createStatement()) {
                // a row here that no version describes, and one holding a unique value a row of the copy has
                s.execute("BEGIN IMMEDIATE");
                long logged = Db.count(c, "SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG);
                s.execute("INSERT OR REPLACE INTO t VALUES (5000, 'unversioned', 0, NULL)");
                s.execute("DELETE FROM " + ChangeLog.LOG + " WHERE seq > " + logged); // not captured
                s.execute("COMMIT");
            }
        }
        try (MergeWriter w = writer(source)) {
            w.apply(List.of(new Transaction(1, List.of(
                    new RowChange(++clock, T, RowChange.INSERT, null, new Object[] {4000L, "copy", 1L, "taken"}),
                    new RowChange(++clock, T, RowChange.INSERT, null, new Object[] {5000L, "versioned", 1L, null})))));
        }
        try (MergeWriter w = writer(live)) {
            w.apply(List.of(new Transaction(2, List.of(new RowChange(++clock, T, RowChange.INSERT, null,
                    new Object[] {4001L, "live", 1L, "taken"})))));
        }
        Path copy = dir.resolve("copy.db");
        SnapshotCopy.take(source, copy);
        Path setBased = Files.copy(live, dir.resolve("set-based.db"));
        Path rowByRow = Files.copy(live, dir.resolve("row-by-row.db"));
        SnapshotMerge.Outcome a = SnapshotMerge.merge(setBased, copy, null, MarmotConfig.defaults(), LOCAL, true, VersionWriters.alone());
        SnapshotMerge.Outcome b = SnapshotMerge.merge(rowByRow, copy, null, MarmotConfig.defaults(), LOCAL, false, VersionWriters.alone());
        assertTrue(a.complete(), a.problems().toString());
        assertTrue(b.complete(), b.problems().toString());
        assertEquals(state(rowByRow, true), state(setBased, true));
        // the slice holding the copy's row 4000 could not be inserted whole: its unique value is row 4001's here
        assertEquals(1, Db.count(setBased, "SELECT count(*) FROM __marmot_conflicts WHERE kind = 'unique'"));
        assertTrue(a.applied() > 100, "rows of the copy new here: " + a.applied());
    }

    @ParameterizedTest
    @ValueSource(longs = {3})
    void aDatabaseWithOnlyTheSchemaEndsWithTheCopysRowsAndVersions(long seed) throws Exception {
        Random rnd = new Random(seed);
        Path source = database("source.db", history(rnd, 3000), List.of());
        Path live = database("live.db", List.of(), List.of());
        // the copy reached through a symbolic link: SQLite and the JVM may spell its path differently
        Path real = Files.createDirectories(dir.resolve("real"));
        Path copy = Files.createSymbolicLink(dir.resolve("link"), real).resolve("copy.db");
        SnapshotCopy.take(source, copy);
        SnapshotMerge.Outcome o = SnapshotMerge.merge(live, copy, null, MarmotConfig.defaults(), LOCAL, VersionWriters.alone());
        assertTrue(o.complete(), o.problems().toString());
        assertEquals(state(source, false), state(live, false));
    }

    private Path database(String name, List<Transaction> first, List<Transaction> then) throws Exception {
        Path db = dir.resolve(name);
        try (Connection c = Sqlite.open(db)) {
            Db.exec(c, SCHEMA);
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, LOCAL, CaptureOptions.everyTable());
            c.commit();
            c.setAutoCommit(true);
        }
        try (MergeWriter w = writer(db)) {
            for (List<Transaction> part : List.of(first, then)) {
                for (int i = 0; i < part.size(); i += 50) {
                    w.apply(part.subList(i, Math.min(part.size(), i + 50)));
                }
            }
        }
        return db;
    }

    private static MergeWriter writer(Path db) throws Exception {
        return new MergeWriter(Sqlite.open(db), LOCAL, MarmotConfig.defaults(), VersionWriters.alone());
    }

    /** Single-change transactions of three origins on 300 keys per table: inserts, partial updates, deletes. */
    private List<Transaction> history(Random rnd, int count) {
        List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clock += 1 + rnd.nextInt(3);
            long origin = 1 + rnd.nextInt(3);
            int kind = rnd.nextInt(6);
            long key = rnd.nextInt(300);
            RowChange ch = switch (rnd.nextInt(3)) {
                case 0 -> kind == 0 ? new RowChange(clock, T, RowChange.DELETE, null, new Object[] {key})
                        : kind <= 2 ? new RowChange(clock, T, RowChange.INSERT, null,
                                new Object[] {key, "a" + rnd.nextInt(9), (long) rnd.nextInt(9), null})
                        : rnd.nextBoolean()
                                ? new RowChange(clock, T, RowChange.UPDATE, null, new Object[] {key, "u" + i, null, null},
                                        new int[] {1})
                                : new RowChange(clock, T, RowChange.UPDATE, null, new Object[] {key, null, (long) i, null},
                                        new int[] {2});
                case 1 -> kind == 0 ? new RowChange(clock, R, RowChange.DELETE, key + 1, new Object[0])
                        : new RowChange(clock, R, kind <= 2 ? RowChange.INSERT : RowChange.UPDATE, key + 1,
                                new Object[] {"x" + i, (long) rnd.nextInt(9)});
                default -> kind == 0 ? new RowChange(clock, W, RowChange.DELETE, null, new Object[] {"k" + key})
                        : new RowChange(clock, W, kind <= 2 ? RowChange.INSERT : RowChange.UPDATE, null,
                                new Object[] {"k" + key, (long) i}, kind <= 2 ? null : new int[] {1});
            };
            out.add(new Transaction(origin, List.of(ch)));
        }
        return out;
    }

    /** The user tables, the row versions and the conflict record (without the time it was written). */
    private static String state(Path db, boolean conflicts) throws Exception {
        try (Connection c = Sqlite.open(db)) {
            return Db.list(c, "SELECT * FROM t ORDER BY id") + "\n" + Db.list(c, "SELECT rowid, * FROM r ORDER BY rowid")
                    + "\n" + Db.list(c, "SELECT * FROM w ORDER BY k")
                    + "\n" + Db.list(c, "SELECT tbl, hex(pk), hlc, node, hex(cols) FROM __marmot_versions ORDER BY 1, 2")
                    + (conflicts ? "\n" + Db.list(c, "SELECT kind, tbl, pk, lost_values FROM __marmot_conflicts ORDER BY 1, 2, 3, 4")
                            : "");
        }
    }
}
