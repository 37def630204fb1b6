package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every way of identifying rows, and every way of naming tables and columns, is captured correctly. */
class KeyShapesTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("keys.db")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    /** op, rid, c0..c(n-1) of every log row of a table, in commit order. */
    private List<List<Object>> log(String table, int columns) throws SQLException {
        return Db.logRows(c, table, "op & 15, " + Db.rid(c), columns);
    }

    private static List<Object> row(Object... values) {
        return Arrays.asList(values);
    }

    @Test
    void integerPrimaryKey() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t (v) VALUES ('auto')", "INSERT INTO t VALUES (100, 'explicit')",
                "UPDATE t SET v = 'changed' WHERE id = 1", "UPDATE t SET id = 5 WHERE id = 100", "DELETE FROM t WHERE id = 5");
        assertEquals(List.of(
                row(1, null, 1, "auto"),
                row(1, null, 100, "explicit"),
                row(2, null, 1, "changed"),
                row(3, null, 100, null),
                row(1, null, 5, "explicit"),
                row(3, null, 5, null)), log("t", 2));
    }

    @Test
    void compositePrimaryKey() throws Exception {
        Db.exec(c, "CREATE TABLE t (a TEXT, v REAL, b INTEGER, PRIMARY KEY (b, a))",
                "INSERT INTO t VALUES ('x', 1.5, 1)", "INSERT INTO t VALUES ('x', 2.5, 2)",
                "UPDATE t SET v = 9.5 WHERE a = 'x' AND b = 1",
                "UPDATE t SET a = 'y' WHERE b = 2",
                "DELETE FROM t WHERE a = 'x' AND b = 1");
        assertEquals(List.of(
                row(1, null, "x", 1.5, 1),
                row(1, null, "x", 2.5, 2),
                row(2, null, "x", 9.5, 1),
                row(3, null, "x", null, 2),
                row(1, null, "y", 2.5, 2),
                row(3, null, "x", null, 1)), log("t", 3));
    }

    @Test
    void withoutRowidTable() throws Exception {
        Db.exec(c, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, note) WITHOUT ROWID",
                "INSERT INTO t VALUES ('b', 2, X'0102')", "INSERT INTO t VALUES ('a', 1, NULL)",
                "UPDATE t SET n = 20 WHERE k = 'b'", "UPDATE t SET k = 'c' WHERE k = 'a'", "DELETE FROM t WHERE k = 'b'");
        List<List<Object>> log = log("t", 3);
        assertEquals(6, log.size(), log::toString);
        assertEquals(row(1, null, "a", 1, null), log.get(1));
        assertEquals(row(2, null, "b", 20), log.get(2).subList(0, 4));
        assertEquals(row(3, null, "a", null, null), log.get(3));
        assertEquals(row(1, null, "c", 1, null), log.get(4));
        assertEquals(row(3, null, "b", null, null), log.get(5));
        assertEquals("blob", Db.scalar(c, "SELECT typeof(c2) FROM __marmot_log WHERE tbl = 't' AND op & 15 = 2 AND c0 = 'b'"));
    }

    @Test
    void compositeKeyWithoutRowid() throws Exception {
        Db.exec(c, "CREATE TABLE t (region TEXT, id INTEGER, v, PRIMARY KEY (region, id)) WITHOUT ROWID",
                "INSERT INTO t VALUES ('eu', 1, 'a')", "UPDATE t SET id = 2 WHERE region = 'eu'",
                "DELETE FROM t");
        assertEquals(List.of(
                row(1, null, "eu", 1, "a"),
                row(3, null, "eu", 1, null),
                row(1, null, "eu", 2, "a"),
                row(3, null, "eu", 2, null)), log("t", 3));
    }

    @Test
    void tableWithoutDeclaredKeyUsesTheRowid() throws Exception {
        Db.exec(c, "CREATE TABLE t (a TEXT, b INTEGER)",
                "INSERT INTO t VALUES ('x', 1)", "INSERT INTO t VALUES ('x', 1)",
                "UPDATE t SET b = 2 WHERE rowid = 2", "DELETE FROM t WHERE rowid = 1");
        assertEquals(List.of(
                row(1, 1, "x", 1),
                row(1, 2, "x", 1),
                row(2, 2, "x", 2),
                row(3, 1, null, null)), log("t", 2));
    }

    @Test
    void tableWithoutDeclaredKeyLogsARowidChangeAsDeleteAndInsert() throws Exception {
        Db.exec(c, "CREATE TABLE t (a TEXT)", "INSERT INTO t VALUES ('x')", "UPDATE t SET rowid = 10 WHERE rowid = 1");
        assertEquals(List.of(
                row(1, 1, "x"),
                row(3, 1, null),
                row(1, 10, "x")), log("t", 1));
    }

    @Test
    void tableWithAColumnNamedRowidStillFindsTheRowid() throws Exception {
        Db.exec(c, "CREATE TABLE t (rowid TEXT, v)", "INSERT INTO t VALUES ('not the rowid', 1)",
                "DELETE FROM t");
        assertEquals(List.of(
                row(1, 1, "not the rowid", 1),
                row(3, 1, null, null)), log("t", 2));
    }

    @Test
    void textPrimaryKeyIsNotTheRowid() throws Exception {
        Db.exec(c, "CREATE TABLE t (code TEXT PRIMARY KEY, v)", "INSERT INTO t VALUES ('k1', 1)", "DELETE FROM t");
        assertEquals(List.of(row(1, null, "k1", 1), row(3, null, "k1", null)), log("t", 2));
    }

    @Test
    void keywordsAsNames() throws Exception {
        Db.exec(c, "CREATE TABLE \"select\" (\"from\" INTEGER PRIMARY KEY, \"where\" TEXT, \"order\", \"group\")",
                "INSERT INTO \"select\" VALUES (1, 'w', 'o', 'g')",
                "UPDATE \"select\" SET \"where\" = 'w2' WHERE \"from\" = 1",
                "DELETE FROM \"select\" WHERE \"from\" = 1");
        assertEquals(List.of(
                row(1, null, 1, "w", "o", "g"),
                row(2, null, 1, "w2", "o", "g"),
                row(3, null, 1, null, null, null)), log("select", 4));
    }

    @Test
    void quotesSpacesAndMixedCaseInNames() throws Exception {
        String table = "my \"odd\" table";
        Db.exec(c, "CREATE TABLE \"my \"\"odd\"\" table\" (\"Key Col\" TEXT PRIMARY KEY, \"it's\" INTEGER,"
                        + " \"say \"\"hi\"\"\" TEXT, MixedCase REAL, [bracketed name], `back tick`)",
                "INSERT INTO \"my \"\"odd\"\" table\" VALUES ('k', 1, 'hi', 1.5, 'b', 't')",
                "UPDATE \"my \"\"odd\"\" table\" SET \"it's\" = 2, mixedcase = 2.5 WHERE \"Key Col\" = 'k'",
                "UPDATE \"my \"\"odd\"\" table\" SET \"Key Col\" = 'k2'",
                "DELETE FROM \"my \"\"odd\"\" table\"");
        assertEquals(List.of(
                row(1, null, "k", 1, "hi", 1.5, "b", "t"),
                row(2, null, "k", 2, "hi", 2.5, "b", "t"),
                row(3, null, "k", null, null, null, null, null),
                row(1, null, "k2", 2, "hi", 2.5, "b", "t"),
                row(3, null, "k2", null, null, null, null, null)), log(table, 6));
    }

    @Test
    void singleQuotesAndUnicodeInTableNames() throws Exception {
        Db.exec(c, "CREATE TABLE \"o'neil's\" (id INTEGER PRIMARY KEY, v)", "INSERT INTO \"o'neil's\" VALUES (1, 'a')",
                "CREATE TABLE \"données été\" (\"clé\" TEXT PRIMARY KEY, \"värde\")",
                "INSERT INTO \"données été\" VALUES ('ü', '😀')",
                "CREATE TABLE \"x'); DROP TABLE y; --\" (id INTEGER PRIMARY KEY)",
                "INSERT INTO \"x'); DROP TABLE y; --\" VALUES (1)");
        assertEquals(List.of(row(1, null, 1, "a")), log("o'neil's", 2));
        assertEquals(List.of(row(1, null, "ü", "😀")), log("données été", 2));
        assertEquals(List.of(row(1, null, 1)), log("x'); DROP TABLE y; --", 1));
    }

    @Test
    void mixedCaseTablesAreDistinctFromTheirColumnsCase() throws Exception {
        Db.exec(c, "CREATE TABLE \"Order Items\" (\"OrderId\" INTEGER, \"LINE\" INTEGER, qty, PRIMARY KEY (\"OrderId\", line))",
                "INSERT INTO \"order items\" VALUES (1, 1, 5)", "UPDATE \"ORDER ITEMS\" SET QTY = 6");
        // SQLite names the table as it was created, whatever case the statements used.
        assertEquals(List.of(row(1, null, 1, 1, 5), row(2, null, 1, 1, 6)), log("Order Items", 3));
    }

    @Test
    void generatedColumnsAreLeftOut() throws Exception {
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, doubled INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,"
                + " b TEXT, stored_len INTEGER AS (length(b)) STORED)", "INSERT INTO t (id, a, b) VALUES (1, 21, 'xyz')");
        Map<String, Object> logged = Db.log(c, "t").get(0);
        assertEquals(1, logged.get("c0"));
        assertEquals(21, logged.get("c1"));
        assertEquals("xyz", logged.get("c2"), "generated columns take no place in the log");
        assertNull(logged.get("c3"));
    }

    @Test
    void everyTableOfTheSameDatabaseIsCaptured() throws Exception {
        Db.exec(c, "CREATE TABLE a (id INTEGER PRIMARY KEY)", "CREATE TABLE b (k TEXT PRIMARY KEY) WITHOUT ROWID",
                "CREATE TABLE c (x)", "INSERT INTO a VALUES (1)", "INSERT INTO b VALUES ('k')", "INSERT INTO c VALUES (3)");
        assertEquals(List.of(List.of("a", 1), List.of("b", 1), List.of("c", 1)),
                Db.list(c, "SELECT tbl, count(*) FROM __marmot_log WHERE tbl IS NOT NULL GROUP BY tbl ORDER BY tbl"));
    }
}
