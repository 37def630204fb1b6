package io.marmot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Marmot.cleanup removes everything the engine installed and nothing of the user's. */
class CleanupTest {
    private static final List<String> TABLES = List.of("items", "no key", "my \"odd\" table", "kv");

    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void setUp() throws SQLException {
        db = dir.resolve("cleanup.db");
        try (Connection c = Db.open(db)) {
            Db.exec(c, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB)",
                    "CREATE TABLE \"no key\" (a, b)",
                    "CREATE TABLE \"my \"\"odd\"\" table\" (\"key col\" TEXT PRIMARY KEY, v)",
                    "CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
                    "CREATE INDEX items_name ON items (name)",
                    "CREATE TRIGGER users_own_trigger AFTER INSERT ON items BEGIN INSERT INTO kv VALUES ('last', NEW.id)"
                            + " ON CONFLICT (k) DO UPDATE SET v = excluded.v; END",
                    "INSERT INTO items VALUES (1, 'a', 1.5, X'00ff'), (2, 'ü😀', -0.0, NULL)",
                    "INSERT INTO \"no key\" VALUES (1, 'x'), (1, 'x')",
                    "INSERT INTO \"my \"\"odd\"\" table\" VALUES ('k', 42)",
                    "UPDATE items SET name = 'b' WHERE id = 1",
                    "DELETE FROM \"no key\" WHERE rowid = 1");
            assertTrue(Db.logCount(c, "items") > 0);
        }
    }

    @AfterEach
    void tearDown() throws SQLException {
        Marmot.close(db);
    }

    /** Every user row, as SQLite's quote() prints it, table by table. */
    private List<List<Object>> snapshot(Connection c) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        out.addAll(Db.list(c, "SELECT 'items', id, quote(name), quote(price), quote(data) FROM items ORDER BY id"));
        out.addAll(Db.list(c, "SELECT 'no key', rowid, quote(a), quote(b) FROM \"no key\" ORDER BY rowid"));
        out.addAll(Db.list(c, "SELECT 'odd', quote(\"key col\"), quote(v) FROM \"my \"\"odd\"\" table\""));
        out.addAll(Db.list(c, "SELECT 'kv', quote(k), quote(v) FROM kv ORDER BY k"));
        out.addAll(Db.list(c, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"));
        return out;
    }

    @Test
    void removesEveryEngineTableAndTriggerAndKeepsUserRows() throws Exception {
        List<List<Object>> before;
        try (Connection plain = Db.plain(db)) {
            assertFalse(Db.internalObjects(plain).isEmpty(), "the engine installed its tables and triggers");
            before = snapshot(plain);
        }
        Marmot.cleanup(db);
        try (Connection plain = Db.plain(db)) {
            assertEquals(List.of(), Db.internalObjects(plain));
            List<List<Object>> after = snapshot(plain);
            before.removeIf(row -> row.size() == 4 && String.valueOf(row.get(1)).startsWith("__marmot_")
                    || row.size() == 4 && String.valueOf(row.get(2)).startsWith("__marmot_")
                    || row.size() == 4 && String.valueOf(row.get(1)).startsWith("sqlite_autoindex___marmot_"));
            assertEquals(before, after, "user tables, rows, indexes and triggers are as they were");
            assertEquals(List.of(List.of("users_own_trigger")),
                    Db.list(plain, "SELECT name FROM sqlite_master WHERE type = 'trigger'"));
        }
        assertEquals(java.util.Optional.empty(), Marmot.engine(db), "the engine was stopped");
    }

    @Test
    void theShellCanWriteAfterwards() throws Exception {
        Sqlite3.assumeInstalled();
        Marmot.cleanup(db);
        Sqlite3.exec(db, """
                INSERT INTO items VALUES (3, 'from shell', 3.0, NULL);
                UPDATE items SET price = 9.5 WHERE id = 1;
                DELETE FROM items WHERE id = 2;
                INSERT INTO "no key" VALUES (5, 'y');
                UPDATE "my ""odd"" table" SET v = 43;
                """);
        assertEquals("[[1, b, 9.5], [3, from shell, 3.0]]",
                Sqlite3.exec(db, "SELECT json_group_array(json_array(id, name, price)) FROM items ORDER BY id;")
                        .trim().replace("\"", "").replace(",", ", "));
        try (Connection plain = Db.plain(db)) {
            assertEquals(List.of(), Db.internalObjects(plain));
        }
    }

    @Test
    void cleanupIsIdempotentAndHarmlessOnAPlainDatabase() throws Exception {
        Marmot.cleanup(db);
        Marmot.cleanup(db);
        Path plainDb = dir.resolve("never-replicated.db");
        try (Connection plain = Db.plain(plainDb)) {
            Db.exec(plain, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)");
        }
        Marmot.cleanup(plainDb);
        try (Connection plain = Db.plain(plainDb)) {
            assertEquals(1, Db.count(plain, "SELECT count(*) FROM t"));
            assertEquals(List.of(), Db.internalObjects(plain));
        }
    }

    @Test
    void theDriverCanStartAgainAfterCleanup() throws Exception {
        Marmot.cleanup(db);
        try (Connection c = Db.open(db)) {
            long existing = Db.count(c, "SELECT count(*) FROM items");
            assertTrue(existing > 0);
            assertEquals(existing, Db.logCount(c, "items"), "a fresh install sends the rows already there, as inserts");
            assertEquals(existing, Db.count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = 'items' AND op & 15 = 1"));
            Db.exec(c, "INSERT INTO items (id, name) VALUES (10, 'new')");
            assertEquals(List.of(List.of(1, 10, "new")),
                    Db.list(c, "SELECT op & 15, c0, c1 FROM __marmot_log WHERE tbl = 'items' ORDER BY seq DESC LIMIT 1"));
            assertEquals(TABLES.size(), Db.count(c, "SELECT count(DISTINCT tbl_name) FROM sqlite_master"
                    + " WHERE type = 'trigger' AND name LIKE '\\_\\_marmot\\_%' ESCAPE '\\'"));
        }
    }

    @Test
    void aConnectionOpenedBeforeCleanupStillWrites() throws Exception {
        try (Connection c = Db.open(db)) {
            c.setAutoCommit(false);
            Db.exec(c, "INSERT INTO items (id, name) VALUES (19, 'before cleanup')");
            c.commit();
            c.setAutoCommit(true);
            Marmot.cleanup(db);
            Db.exec(c, "INSERT INTO items (id, name) VALUES (20, 'autocommit')");
            c.setAutoCommit(false);
            Db.exec(c, "INSERT INTO items (id, name) VALUES (21, 'transaction')");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(2, Db.count(c, "SELECT count(*) FROM items WHERE id IN (20, 21)"));
        } finally {
            Marmot.close(db);
        }
        try (Connection plain = Db.plain(db)) {
            assertEquals(List.of(), Db.internalObjects(plain));
        }
    }
}
