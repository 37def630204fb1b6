package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes by another process (the sqlite3 shell, an older SQLite than sqlite-jdbc's) succeed and are captured by
 * the triggers; tables that process creates are noticed by the schema watcher.
 */
class ExternalWriterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("external.db").params("node-id=1&poll-interval=50")
            .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL, b BLOB)")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    @BeforeEach
    void needsTheShell() {
        Sqlite3.assumeInstalled();
    }

    @ParameterizedTest(name = "trusted_schema={0}")
    @ValueSource(strings = {"ON", "OFF"})
    void shellInsertsUpdatesAndDeletesAreCaptured(String trustedSchema) throws Exception {
        Sqlite3.exec(db, """
                INSERT INTO t VALUES (1, 'from shell', 1.5, X'00FF');
                INSERT INTO t (name) VALUES ('ünïcødé 😀');
                BEGIN;
                UPDATE t SET name = 'updated', n = 2.0 WHERE id = 1;
                DELETE FROM t WHERE id = 2;
                COMMIT;
                """, "-cmd", "PRAGMA trusted_schema=" + trustedSchema);
        assertEquals(List.of(
                List.of(1, 1, "from shell", "real", "blob"),
                List.of(1, 2, "ünïcødé 😀", "null", "null"),
                List.of(2, 1, "updated", "real", "blob"),
                List.of(3, 2, "", "null", "null")),
                Db.list(c, "SELECT op & 15, c0, coalesce(c1, ''), typeof(c2), typeof(c3) FROM __marmot_log"
                        + " WHERE tbl = 't' ORDER BY seq"));
        assertEquals(2.0, ((Number) Db.scalar(c, "SELECT c2 FROM __marmot_log WHERE tbl = 't' AND op & 15 = 2")).doubleValue());
    }

    @Test
    void shellRollbackLeavesNoTrace() throws Exception {
        Sqlite3.exec(db, "BEGIN; INSERT INTO t (id) VALUES (1); ROLLBACK; INSERT INTO t (id) VALUES (2);");
        assertEquals(List.of(List.of(2)), Db.list(c, "SELECT c0 FROM __marmot_log WHERE tbl = 't'"));
    }

    @Test
    void shellAndDriverWritesInterleaveInCommitOrder() throws Exception {
        Db.exec(c, "INSERT INTO t (id) VALUES (1)");
        Sqlite3.exec(db, "INSERT INTO t (id) VALUES (2);");
        Db.exec(c, "INSERT INTO t (id) VALUES (3)");
        Sqlite3.exec(db, "INSERT INTO t (id) VALUES (4);");
        assertEquals(List.of(List.of(1), List.of(2), List.of(3), List.of(4)),
                Db.list(c, "SELECT c0 FROM __marmot_log WHERE tbl = 't' ORDER BY seq"));
    }

    @Test
    void tableCreatedByTheShellIsCapturedWithItsExistingRows() throws Exception {
        Sqlite3.exec(db, """
                BEGIN;
                CREATE TABLE shell_made (code TEXT PRIMARY KEY, qty INTEGER, price REAL);
                INSERT INTO shell_made VALUES ('a', 1, 0.5), ('b', 2, 1.5), ('c', 3, NULL);
                COMMIT;
                """);
        Await.until(DEADLINE, "existing rows of shell_made logged as inserts",
                () -> Db.logCount(c, "shell_made") == 3);
        assertEquals(List.of(
                List.of(1, "a", 1, 0.5),
                List.of(1, "b", 2, 1.5),
                Db.list(c, "SELECT 1, 'c', 3, NULL").get(0)),
                Db.list(c, "SELECT op & 15, c0, c1, c2 FROM __marmot_log WHERE tbl = 'shell_made' ORDER BY c0"));

        Sqlite3.exec(db, "INSERT INTO shell_made VALUES ('d', 4, 4.5); UPDATE shell_made SET qty = 10 WHERE code = 'a';"
                + " DELETE FROM shell_made WHERE code = 'b';");
        assertEquals(List.of(List.of(1, "d", 4), List.of(2, "a", 10), Db.list(c, "SELECT 3, 'b', NULL").get(0)),
                Db.list(c, "SELECT op & 15, c0, c1 FROM (SELECT * FROM __marmot_log WHERE tbl = 'shell_made'"
                        + " ORDER BY seq LIMIT -1 OFFSET 3)"));
    }

    @Test
    void tableWithoutKeyCreatedByTheShellIsCapturedWithRowids() throws Exception {
        Sqlite3.exec(db, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('one'), ('two');");
        Await.until(DEADLINE, "notes captured", () -> Db.count(c,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'notes'") == 4
                && Db.logCount(c, "notes") >= 2);
        Sqlite3.exec(db, "INSERT INTO notes VALUES ('three');");
        assertEquals(List.of(List.of(1, 1, "one"), List.of(1, 2, "two"), List.of(1, 3, "three")),
                Db.list(c, "SELECT op & 15, " + Db.rid(c) + ", c0 FROM __marmot_log WHERE tbl = 'notes' ORDER BY rid"));
    }

    @Test
    void emptyTableCreatedByTheShellIsCapturedFromItsFirstRow() throws Exception {
        Sqlite3.exec(db, "CREATE TABLE later (id INTEGER PRIMARY KEY, v TEXT);");
        Await.until(DEADLINE, "triggers on the table made by the shell", () -> Db.count(c,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'later'") == 4);
        Sqlite3.exec(db, "INSERT INTO later VALUES (1, 'first');");
        Db.exec(c, "INSERT INTO later VALUES (2, 'second')");
        assertEquals(List.of(List.of(1, "first"), List.of(2, "second")),
                Db.list(c, "SELECT c0, c1 FROM __marmot_log WHERE tbl = 'later' ORDER BY seq"));
    }

    @Test
    void columnAddedByTheShellIsCapturedOnceNoticed() throws Exception {
        Sqlite3.exec(db, "ALTER TABLE t ADD COLUMN extra TEXT;");
        Await.until(DEADLINE, "capture of t follows the new column", () -> Db.count(c,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 't' AND sql LIKE '%\"extra\"%'") > 0);
        Sqlite3.exec(db, "INSERT INTO t (id, extra) VALUES (1, 'new column');");
        assertEquals("new column", Db.scalar(c, "SELECT c4 FROM __marmot_log WHERE tbl = 't' AND c0 = 1"));
    }

    @Test
    void columnRenamedByTheShellKeepsCapture() throws Exception {
        Sqlite3.exec(db, "ALTER TABLE t RENAME COLUMN name TO title; INSERT INTO t (id, title) VALUES (1, 'renamed');");
        assertEquals("renamed", Db.scalar(c, "SELECT c1 FROM __marmot_log WHERE tbl = 't' AND c0 = 1"));
    }

    @Test
    void columnDroppedByTheShellUnderLegacyAlterTable() throws Exception {
        // SQLite re-checks every trigger after DROP COLUMN, and the capture triggers name every column: refused, and
        // the error names the trigger.
        Sqlite3.Result refused = Sqlite3.run(db, "ALTER TABLE t DROP COLUMN n;");
        assertTrue(refused.exitCode() != 0 && refused.err().contains("__marmot_") && refused.err().contains("no such column"),
                refused::toString);
        // The supported way from the shell: legacy_alter_table skips that check; capture follows within a poll.
        Sqlite3.exec(db, "INSERT INTO t (id, name, n) VALUES (1, 'before', 1.5);"
                + " PRAGMA legacy_alter_table = ON; ALTER TABLE t DROP COLUMN n; PRAGMA legacy_alter_table = OFF;");
        Await.until(DEADLINE, "capture re-installed without the column", () -> Db.count(c,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 't' AND sql LIKE '%\"n\"%'") == 0
                && Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 't'") == 4);
        Sqlite3.exec(db, "INSERT INTO t (id, name) VALUES (2, 'after drop');");
        assertEquals(List.of(List.of(3, 2, "after drop")),
                Db.list(c, "SELECT op >> 4 & 32767, c0, c1 FROM __marmot_log WHERE tbl = 't' AND c0 = 2"));
        assertEquals(List.of("ALTER TABLE \"t\" DROP COLUMN \"n\""), Db.list(c, "SELECT sql FROM __marmot_ddl WHERE sql LIKE 'ALTER%'").stream()
                .map(r -> r.get(0)).toList());
        // the row logged before the drop keeps the column it was written with
        assertEquals(List.of(List.of(4, 1.5)), Db.list(c, "SELECT op >> 4 & 32767, c2 FROM __marmot_log WHERE tbl = 't' AND c0 = 1"));
    }

    @Test
    void tableDroppedAndRecreatedByTheShellIsCapturedInItsNewShape() throws Exception {
        Db.exec(c, "INSERT INTO t (id) VALUES (1)");
        Sqlite3.exec(db, "DROP TABLE t; CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;");
        Await.until(DEADLINE, "capture of the new t", () -> Db.count(c,
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 't'") == 4);
        Sqlite3.exec(db, "INSERT INTO t VALUES ('key', 7);");
        assertEquals(List.of("key", 7), Db.list(c, "SELECT c0, c1 FROM __marmot_log WHERE tbl = 't' ORDER BY seq DESC LIMIT 1").get(0));
        assertTrue(Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 't'") == 4);
    }
}
