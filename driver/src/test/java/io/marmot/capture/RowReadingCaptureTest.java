package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.sqlite.Sqlite;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code shell-drop-column=true}: triggers that read the written row back instead of naming its columns log exactly
 * what the ordinary triggers log, and let the sqlite3 shell drop a column, and write right after, in one session.
 */
class RowReadingCaptureTest {
    private static final String SCHEMA = """
            CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT, y INTEGER, z REAL);
            CREATE TABLE b (k TEXT PRIMARY KEY, v1, v2);
            CREATE TABLE c (p INTEGER, q TEXT, w, PRIMARY KEY (p, q)) WITHOUT ROWID;
            CREATE TABLE d (m, n);
            """;
    /** The log's rows; the rowid of d's rows (after its two columns, see {@link Db#rid}) as rid. */
    private static final String LOG = "SELECT tbl, op & 15, op >> 4 & 32767, CASE op >> 4 & 32767 WHEN 2 THEN c2 END AS rid, mask, c0, c1, c2, c3"
            + " FROM __marmot_log ORDER BY seq";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void logsWhatTheOrdinaryTriggersLog(long seed) throws Exception {
        List<List<Object>> named = runWorkload("named", false, seed);
        List<List<Object>> read = runWorkload("read", true, seed);
        assertTrue(named.size() > 500, "a workload that logged: " + named.size());
        assertTrue(named.stream().anyMatch(r -> Integer.valueOf(2).equals(r.get(1)) && Integer.valueOf(0).equals(r.get(4))),
                "an update that changed nothing is among them");
        assertEquals(named, read);
    }

    @Test
    void theShellDropsAColumnAndWritesRightAfter() throws Exception {
        Sqlite3.assumeInstalled();
        Path ordinary = install("ordinary", false);
        Sqlite3.Result refused = Sqlite3.run(ordinary, "ALTER TABLE a DROP COLUMN y;");
        assertTrue(refused.exitCode() != 0 && refused.err().contains("no such column"), "the ordinary triggers refuse it: "
                + refused);

        Path db = install("reading", true);
        Sqlite3.exec(db, "INSERT INTO a VALUES (1, 'one', 10, 1.5);"
                + " ALTER TABLE a DROP COLUMN y;"
                + " INSERT INTO a (id, x, z) VALUES (2, 'after the drop', 2.5);"
                + " UPDATE a SET x = 'changed' WHERE id = 1;"
                + " UPDATE a SET z = 9 WHERE id = 1;"
                + " ALTER TABLE a RENAME COLUMN x TO title;"
                + " UPDATE a SET title = 'renamed' WHERE id = 2;"
                + " DELETE FROM a WHERE id = 1;");
        try (Connection c = Db.plain(db)) {
            // until capture is re-installed the log keeps the table's old shape: the dropped column is NULL, no
            // update claims it
            assertEquals(List.of(
                    List.of("a", 1, 4, NULL, 0, 1, "one", 10, 1.5),
                    List.of("a", 1, 4, NULL, 0, 2, "after the drop", NULL, 2.5),
                    List.of("a", 2, 4, NULL, 2, 1, "changed", NULL, 1.5),
                    List.of("a", 2, 4, NULL, 8, 1, "changed", NULL, 9.0),
                    List.of("a", 2, 4, NULL, 2, 2, "renamed", NULL, 2.5),
                    List.of("a", 3, 4, NULL, 0, 1, NULL, NULL, NULL)),
                    Db.list(c, LOG.replace("mask", "coalesce(mask, 0)").replace("ORDER", "WHERE tbl = 'a' ORDER"))
                            .stream().map(RowReadingCaptureTest::withNulls).toList());
            assertEquals(0, Db.count(c, "SELECT count(*) FROM __marmot_stash_a"), "no stash row is left behind");
        }
    }

    @Test
    void theEngineFollowsADropFromTheShell() throws Exception {
        Sqlite3.assumeInstalled();
        Path db = dir.resolve("engine.db");
        try (Connection c = Db.open(db, "node-id=1&poll-interval=50&shell-drop-column=true")) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL)", "INSERT INTO t VALUES (1, 'one', 1.5)");
            Sqlite3.exec(db, "ALTER TABLE t DROP COLUMN n; INSERT INTO t VALUES (2, 'two');");
            Await.until(Duration.ofSeconds(10), "capture re-installed without the column", () -> Db.count(c,
                    "SELECT count(*) FROM pragma_table_info('__marmot_pad_t') WHERE name = 'n'") == 0
                    && Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%\"n\"%'") == 0);
            Sqlite3.exec(db, "INSERT INTO t VALUES (3, 'three'); UPDATE t SET name = 'uno' WHERE id = 1;");
            assertEquals(List.of(List.of(1, 3, 1, "one", 1.5), List.of(1, 3, 2, "two", NULL), List.of(1, 2, 3, "three", NULL),
                    List.of(2, 2, 1, "uno", NULL)),
                    Db.list(c, "SELECT op & 15, op >> 4 & 32767, c0, c1, c2 FROM __marmot_log WHERE tbl = 't' ORDER BY seq").stream()
                            .map(RowReadingCaptureTest::withNulls).toList());
            assertEquals(List.of(List.of("ALTER TABLE \"t\" DROP COLUMN \"n\"")),
                    Db.list(c, "SELECT sql FROM __marmot_ddl WHERE sql LIKE 'ALTER%'"));
        } finally {
            Marmot.close(db);
        }
    }

    @Test
    void switchingBackLeavesNoPadOrStash() throws Exception {
        Path db = install("switch", true);
        try (Connection c = Sqlite.open(db)) {
            assertEquals(8, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name GLOB '__marmot_pad_*'"
                    + " OR name GLOB '__marmot_stash_*'"), "a pad and a stash for each of the four tables");
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, 1, CaptureOptions.everyTable());
            c.commit();
            assertEquals(0, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name GLOB '__marmot_pad_*'"
                    + " OR name GLOB '__marmot_stash_*' OR name GLOB '__marmot_before_*'"));
        }
    }

    private Path install(String name, boolean readsRows) throws SQLException {
        Path db = dir.resolve(name + ".db");
        try (Connection c = Sqlite.open(db)) {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("PRAGMA journal_mode = WAL");
                for (String sql : SCHEMA.split(";")) {
                    if (!sql.isBlank()) {
                        s.execute(sql);
                    }
                }
            }
            c.setAutoCommit(false);
            CaptureInstaller.reconcile(c, 1, new CaptureOptions(t -> true, readsRows));
            c.commit();
        }
        return db;
    }

    /** The same random statements on a database with the given triggers; its log (without the clock). */
    private List<List<Object>> runWorkload(String name, boolean readsRows, long seed) throws SQLException {
        Path db = install(name, readsRows);
        Random rnd = new Random(seed);
        try (Connection c = Sqlite.open(db)) {
            c.setAutoCommit(false);
            for (int i = 0; i < 600; i++) {
                int key = rnd.nextInt(40);
                switch (rnd.nextInt(12)) {
                    case 0, 1 -> run(c, "INSERT OR IGNORE INTO a VALUES (?, ?, ?, ?)", key, value(rnd), value(rnd), value(rnd));
                    case 2 -> run(c, "UPDATE a SET x = ?, z = ? WHERE id = ?", value(rnd), value(rnd), key);
                    case 3 -> run(c, "UPDATE a SET y = y WHERE id < ?", key); // changes nothing
                    case 4 -> run(c, "UPDATE OR IGNORE a SET id = id + 100 WHERE id = ?", key);
                    case 5 -> run(c, "DELETE FROM a WHERE id = ?", key);
                    case 6 -> run(c, "INSERT INTO b VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v2 = excluded.v2",
                            "k" + key, value(rnd), value(rnd));
                    case 7 -> run(c, "INSERT OR REPLACE INTO b VALUES (?, ?, ?)", "k" + key, value(rnd), value(rnd));
                    case 8 -> run(c, "INSERT OR IGNORE INTO c VALUES (?, ?, ?)", key, "q" + key % 3, value(rnd));
                    case 9 -> run(c, "UPDATE c SET w = ? WHERE p = ?", value(rnd), key);
                    case 10 -> run(c, "INSERT INTO d VALUES (?, ?)", value(rnd), value(rnd));
                    default -> run(c, "UPDATE d SET n = ? WHERE rowid % 7 = ?", value(rnd), key % 7);
                }
                if (rnd.nextInt(20) == 0) {
                    c.commit();
                }
            }
            c.commit();
            return Db.list(c, LOG).stream().map(RowReadingCaptureTest::withNulls).toList();
        }
    }

    private static void run(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private static Object value(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> null;
            case 1 -> rnd.nextInt(5); // often the value the row already has
            case 2 -> rnd.nextDouble();
            case 3 -> "text-" + rnd.nextInt(4);
            default -> new byte[] {(byte) rnd.nextInt(3), 0};
        };
    }

    /** NULL in expected rows (List.of takes no null). */
    private static final String NULL = "<null>";

    /** A row as comparable values: NULL for null, blobs as hex. */
    private static List<Object> withNulls(List<Object> row) {
        List<Object> out = new ArrayList<>();
        for (Object o : row) {
            out.add(o == null ? NULL : o instanceof byte[] b ? "x'" + HexFormat.of().formatHex(b) + "'" : o);
        }
        return out;
    }
}
