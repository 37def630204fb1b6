package io.marmot.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database helpers, the sqlite3 shell runner and Await, on real files. */
class DbTest {
    @TempDir
    Path dir;

    @Test
    void aDumpHoldsEveryValueWithItsStorageClassAndNoInternalTable() throws Exception {
        Path one = dir.resolve("one.db");
        Path two = dir.resolve("two.db");
        for (Path db : new Path[] {one, two}) {
            try (Connection c = Db.plain(db)) {
                Db.exec(c, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v)",
                        "CREATE TABLE pairs (a TEXT, b INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID",
                        "CREATE TABLE loose (x)", "CREATE TABLE __marmot_log (seq INTEGER PRIMARY KEY, junk)",
                        "INSERT INTO pairs VALUES ('k', 2), ('k', 1)", "INSERT INTO loose (rowid, x) VALUES (7, NULL)",
                        "INSERT INTO __marmot_log (junk) VALUES (randomblob(8))");
            }
        }
        try (Connection c = Db.plain(one)) {
            Db.exec(c, "INSERT INTO kv VALUES (1, 1), (2, X'01'), (3, 'a|b')");
        }
        try (Connection c = Db.plain(two)) {
            Db.exec(c, "INSERT INTO kv VALUES (1, 1.0), (2, X'01'), (3, 'a|b')");
        }
        String dump = Db.dump(one);
        assertEquals("table kv\n1|1\n2|X'01'\n3|'a|b'\ntable loose\n7|NULL\ntable pairs\n'k'|1\n'k'|2\n", dump);
        assertNotEquals(dump, Db.dump(two), "1 and 1.0 differ");
        try (Connection c = Db.plain(two)) {
            Db.exec(c, "UPDATE kv SET v = 1 WHERE k = 1");
        }
        assertEquals(dump, Db.dump(two), "the same content, whatever the internal tables hold");
    }

    @Test
    void valuesThroughPlainSqlite() throws Exception {
        Path db = dir.resolve("v.db");
        try (Connection c = Db.plain(db)) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
            assertEquals(1, Db.update(c, "INSERT INTO t VALUES (?, ?)", 1, "x"));
        }
        assertEquals(1, Db.count(db, "SELECT count(*) FROM t"));
        assertEquals(0, Db.count(db, "SELECT id FROM t WHERE id = 2"), "no row counts 0");
        assertEquals("x", Db.text(db, "SELECT name FROM t"));
        assertNull(Db.text(db, "SELECT name FROM t WHERE id = 2"));
        assertEquals("jdbc:marmot:sqlite:" + db + "?node-id=1&nats-url=nats://127.0.0.1:1",
                Db.nodeUrl(db, "node-id=1&nats-url=nats://127.0.0.1:1"));
    }

    @Test
    void theSqliteShellWritesAndFailsLoudly() throws Exception {
        Sqlite3.assumeInstalled();
        Path db = dir.resolve("shell.db");
        Sqlite3.exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2);");
        assertEquals("1\n2", Sqlite3.query(db, "SELECT id FROM t ORDER BY id"));
        assertEquals(2, Db.count(db, "SELECT count(*) FROM t"));
        IOException e = assertThrows(IOException.class, () -> Sqlite3.exec(db, "INSERT INTO nope VALUES (1);"));
        assertTrue(e.getMessage().contains("no such table"), e.getMessage());
    }

    @Test
    void awaitReturnsTheAcceptedValueAndFailsWithTheLastException() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        assertEquals(3, Await.value(Duration.ofSeconds(5), "three calls", calls::incrementAndGet, n -> n == 3));
        IllegalStateException last = new IllegalStateException("still broken");
        AssertionError e = assertThrows(AssertionError.class, () -> Await.until(Duration.ofMillis(50), "never", () -> {
            throw last;
        }));
        assertTrue(e.getMessage().contains("never"), e.getMessage());
        assertSame(last, e.getCause());
        AssertionError fatal = new AssertionError("cannot come true");
        long started = System.nanoTime();
        assertSame(fatal, assertThrows(AssertionError.class, () -> Await.until(Duration.ofSeconds(30), "fatal", () -> {
            throw fatal;
        })));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "an assertion error fails at once");
    }
}
