package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** DatabaseMetaData shows the user's schema only, as a tool such as DBeaver would list it. */
class MetadataTest {
    @TempDir
    Path dir;
    Path db;
    Connection c;
    DatabaseMetaData md;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("meta.db")
            .schema("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                    "CREATE TABLE \"Order Lines\" (\"order\" INTEGER, line INTEGER, qty REAL, PRIMARY KEY (\"order\", line))",
                    "CREATE TABLE marmot_notes (body TEXT)",
                    "CREATE INDEX items_name ON items (name)",
                    "CREATE VIEW item_names AS SELECT name FROM items",
                    "INSERT INTO items VALUES (1, 'a')")
            .into((path, connection) -> {
                db = path;
                c = connection;
                md = connection.getMetaData();
            });

    private static List<String> column(ResultSet rs, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                out.add(rs.getString(name));
            }
        }
        return out;
    }

    @Test
    void engineTablesExistButAreNotListed() throws Exception {
        assertTrue(Db.count(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_\\_marmot\\_%' ESCAPE '\\'") >= 3,
                "the engine's tables are there");
        List<String> tables = column(md.getTables(null, null, "%", null), "TABLE_NAME");
        assertTrue(tables.containsAll(List.of("items", "Order Lines", "marmot_notes", "item_names")), tables::toString);
        assertTrue(tables.stream().noneMatch(t -> t.startsWith("__marmot_")), tables::toString);
        List<String> onlyTables = column(md.getTables(null, null, null, new String[] {"TABLE"}), "TABLE_NAME");
        assertEquals(List.of("Order Lines", "items", "marmot_notes"), onlyTables.stream().sorted().toList());
    }

    @Test
    void askingForAnEngineTableByNameFindsNothing() throws Exception {
        assertEquals(List.of(), column(md.getTables(null, null, "__marmot_log", null), "TABLE_NAME"));
        assertEquals(List.of(), column(md.getTables(null, null, "\\_\\_marmot%", null), "TABLE_NAME"));
        assertEquals(List.of(), column(md.getColumns(null, null, "__marmot_log", "%"), "COLUMN_NAME"));
        assertEquals(List.of(), column(md.getPrimaryKeys(null, null, "__marmot_state"), "COLUMN_NAME"));
        assertEquals(List.of(), column(md.getIndexInfo(null, null, "__marmot_versions", false, false), "INDEX_NAME"));
    }

    @Test
    void columnsOfEveryTableShowOnlyUserTables() throws Exception {
        List<String> tables = column(md.getColumns(null, null, "%", "%"), "TABLE_NAME");
        assertFalse(tables.isEmpty());
        assertTrue(tables.stream().noneMatch(t -> t.startsWith("__marmot_")), tables::toString);
        assertTrue(tables.containsAll(List.of("items", "Order Lines", "marmot_notes")), tables::toString);
    }

    @Test
    void userTablesKeepTheirFullMetadata() throws Exception {
        assertEquals(List.of("id", "name"), column(md.getColumns(null, null, "items", "%"), "COLUMN_NAME"));
        assertEquals(List.of("order", "line", "qty"), column(md.getColumns(null, null, "Order Lines", null), "COLUMN_NAME"));
        assertEquals(List.of("id"), column(md.getPrimaryKeys(null, null, "items"), "COLUMN_NAME"));
        assertEquals(List.of("line", "order"), column(md.getPrimaryKeys(null, null, "Order Lines"), "COLUMN_NAME")
                .stream().sorted().toList());
        assertTrue(column(md.getIndexInfo(null, null, "items", false, false), "INDEX_NAME").contains("items_name"));
    }

    @Test
    void noIndexOfTheEngineIsListedAmongTables() throws Exception {
        // An engine table keyed by text gets an index SQLite names, which sqlite-jdbc lists among tables.
        try (Connection plain = Db.plain(db)) {
            Db.exec(plain, "CREATE TABLE IF NOT EXISTS __marmot_keyed (k TEXT PRIMARY KEY, v)");
        }
        assertEquals(1, Db.count(c, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex___marmot_keyed_1'"));
        List<String> all = column(md.getTables(null, null, null, null), "TABLE_NAME");
        assertTrue(all.stream().noneMatch(t -> t.contains("__marmot")), all::toString);
        List<String> indexes = column(md.getIndexInfo(null, null, "%", false, false), "INDEX_NAME");
        assertTrue(indexes.stream().noneMatch(t -> t.contains("__marmot")), indexes::toString);
    }

    @Test
    void metadataConnectionIsTheDriversConnection() throws Exception {
        assertSame(c, md.getConnection());
        try (ResultSet rs = md.getTables(null, null, "%", null)) {
            assertSame(c, rs.getStatement().getConnection());
        }
        try (ResultSet rs = md.getPrimaryKeys(null, null, "items")) {
            assertSame(c, rs.getStatement().getConnection());
        }
    }

    @Test
    void urlIsTheOneTheApplicationGave() throws Exception {
        assertEquals(Db.url(db, "node-id=1"), md.getURL());
    }

    @Test
    void urlLeavesOutNatsCredentials() throws Exception {
        Path other = dir.resolve("secret.db");
        String url = Db.url(other, "node-id=2&nats-url=nats://alice:s3cret@127.0.0.1:1,nats://bob:hunter2@127.0.0.2:1"
                + "&nats-password=pa55word&nats-token=t0ken&nats-user=alice&cache_size=2000");
        try (Connection secret = java.sql.DriverManager.getConnection(url)) {
            String reported = secret.getMetaData().getURL();
            for (String s : List.of("s3cret", "hunter2", "pa55word", "t0ken", "bob")) {
                assertFalse(reported.contains(s), reported);
            }
            assertEquals(Db.url(other, "node-id=2&nats-url=nats://127.0.0.1:1,nats://127.0.0.2:1&nats-user=alice"
                    + "&cache_size=2000"), reported);
        } finally {
            Marmot.close(other);
        }
    }
}
