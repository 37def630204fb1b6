package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table rebuilt the way SQLite documents altering a table (and Liquibase, Django, Alembic's batch mode and Room do
 * it) is rebuilt on the peers too, with the default replicate-drops=false: the rows moved, nothing is dropped.
 */
class TableRebuildTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String USER_OBJECTS = "SELECT type, name, tbl_name, replace(sql, '\"', '') FROM sqlite_master"
            + " WHERE name NOT LIKE '\\_\\_marmot\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";

    /**
     * Type, name, table and statement of every user object; the statement without identifier quotes, which SQLite
     * adds when a RENAME rewrites it and a peer that received the table under its final name has no reason to.
     */
    private static List<List<Object>> objects(Node n) throws Exception {
        return Db.list(n.connection(), USER_OBJECTS);
    }

    private static void rowsOnBoth(Node a, Node b) throws Exception {
        a.exec("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "CREATE INDEX item_name ON item (name)");
        a.exec("INSERT INTO item VALUES (1, 'one')", "INSERT INTO item VALUES (2, 'two')");
        Await.until(WAIT, "the table on b", () -> b.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'item'") == 1);
        b.exec("INSERT INTO item VALUES (3, 'three')", "INSERT INTO item VALUES (4, 'four')");
        Await.until(WAIT, "four rows on both", () -> a.scalar("SELECT count(*) FROM item") == 4
                && b.scalar("SELECT count(*) FROM item") == 4);
    }

    /** Both nodes end with one table item, its new column and every row, and say they agree and are ready. */
    private static void rebuiltOnBoth(Node a, Node b) throws Exception {
        // One condition: b's rows equal a's once the rename is applied, before the index that follows it is.
        Await.until(WAIT, "b has a's schema, statement for statement, and its rows", () -> objects(a).equals(objects(b))
                && Db.dump(a.path()).equals(Db.dump(b.path())));
        assertEquals(List.of("id", "name", "qty"), Db.list(b.connection(), "SELECT name FROM pragma_table_info('item')")
                .stream().map(r -> r.get(0)).toList());
        assertEquals(List.of(List.of("index", "item_name", "item"), List.of("table", "item", "item")),
                objects(b).stream().map(o -> o.subList(0, 3)).toList(), "one table, no leftover");
        b.exec("INSERT INTO item VALUES (5, 'five', 7)");
        Await.until(WAIT, "rows flow after the rebuild", () -> a.scalar("SELECT qty FROM item WHERE id = 5") == 7);
        assertEquals(Db.dump(a.path()), Db.dump(b.path()));
        assertEquals(5, b.scalar("SELECT count(*) FROM item"));
        assertEquals(0, b.engine().stats().dropsRefused(), "no drop refused: " + b.engine().stats());
        assertEquals(0, b.scalar("SELECT count(*) FROM __marmot_ddl_waiting"), "no schema change waits");
        String rebuiltSchema = fingerprintOf(a);
        Await.until(WAIT, "both publish the rebuilt schema, say they agree and are ready",
                () -> a.engine().stats().schemaFingerprint().equals(rebuiltSchema)
                        && b.engine().stats().schemaFingerprint().equals(rebuiltSchema) && a.engine().stats().schemaAgrees()
                        && b.engine().stats().schemaAgrees() && a.engine().health().ready() && b.engine().health().ready());
    }

    /** The fingerprint of a node's schema record, as its engine publishes it. */
    private static String fingerprintOf(Node n) throws Exception {
        try (java.sql.Connection c = Db.plain(n.path())) {
            return io.marmot.schema.SchemaJournal.fingerprint(c);
        }
    }

    @Test
    void sqlitesDocumentedRebuildInOneTransactionReplicates() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            rowsOnBoth(a, b);
            a.connection().setAutoCommit(false);
            a.exec("CREATE TABLE item_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0)",
                    "INSERT INTO item_new (id, name) SELECT id, name FROM item",
                    "DROP TABLE item",
                    "ALTER TABLE item_new RENAME TO item",
                    "CREATE INDEX item_name ON item (name)");
            a.connection().commit();
            a.connection().setAutoCommit(true);
            rebuiltOnBoth(a, b);
        });
    }

    @Test
    void aRebuildInOneTransactionOfTheSqlite3ShellReplicates() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.run(2, "", (cluster, a, b) -> {
            rowsOnBoth(a, b);
            Sqlite3.exec(a.path(), "BEGIN;"
                    + " CREATE TABLE item_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0);"
                    + " INSERT INTO item_new (id, name) SELECT id, name FROM item;"
                    + " DROP TABLE item;"
                    + " ALTER TABLE item_new RENAME TO item;"
                    + " CREATE INDEX item_name ON item (name);"
                    + " COMMIT;");
            rebuiltOnBoth(a, b);
        });
    }

    @Test
    void liquibasesRebuildInOneTransactionReplicates() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            rowsOnBoth(a, b);
            a.connection().setAutoCommit(false);
            a.exec("ALTER TABLE item RENAME TO item_temporary",
                    "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0)",
                    "INSERT INTO item (id, name) SELECT id, name FROM item_temporary",
                    "DROP TABLE item_temporary",
                    "CREATE INDEX item_name ON item (name)");
            a.connection().commit();
            a.connection().setAutoCommit(true);
            rebuiltOnBoth(a, b);
            assertTrue(a.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'item_temporary'") == 0);
        });
    }

    @Test
    void liquibasesAddColumnReplicates() throws Exception {
        Cluster.run(2, "exclude-tables=DATABASECHANGELOGLOCK", (cluster, a, b) -> {
            rowsOnBoth(a, b);
            try (java.sql.Connection c = a.open()) {
                liquibase.database.Database database = liquibase.database.DatabaseFactory.getInstance()
                        .findCorrectDatabaseImplementation(new liquibase.database.jvm.JdbcConnection(c));
                new liquibase.Liquibase("db/liquibase-rebuild/changelog.xml",
                        new liquibase.resource.ClassLoaderResourceAccessor(), database).update(new liquibase.Contexts());
            }
            String withoutLock = USER_OBJECTS.replace("ORDER BY", "AND name <> 'DATABASECHANGELOGLOCK' ORDER BY");
            Await.until(WAIT, "b has a's schema", () -> Db.list(a.connection(), withoutLock)
                    .equals(Db.list(b.connection(), withoutLock)));
            assertEquals(List.of("id", "name", "qty"), Db.list(b.connection(), "SELECT name FROM pragma_table_info('item')")
                    .stream().map(r -> r.get(0)).toList());
            assertEquals(0, b.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'item%temp%'"), "no leftover");
            b.exec("INSERT INTO item VALUES (5, 'five', 7)");
            Await.until(WAIT, "rows flow after the rebuild", () -> a.scalar("SELECT qty FROM item WHERE id = 5") == 7);
            Await.until(WAIT, "the same rows on both", () -> Db.dump(a.path()).replaceAll("(?s)table DATABASECHANGELOGLOCK\\n[^t]*", "")
                    .equals(Db.dump(b.path())));
            assertEquals(0, b.engine().stats().dropsRefused(), "no drop refused: " + b.engine().stats());
            assertEquals(0, b.scalar("SELECT count(*) FROM __marmot_ddl_waiting"), "no schema change waits");
        });
    }
}
