package io.marmot.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a peer's schema message may contain: only replicated statement kinds on the user's own objects. */
class DdlStatementTest {
    @Test
    void readsTheKindsThatReplicate() {
        assertEquals(DdlStatement.Kind.CREATE_TABLE, DdlStatement.check("CREATE TABLE \"my t\" (id INTEGER PRIMARY KEY)").kind());
        assertEquals("my t", DdlStatement.check("CREATE TABLE \"my t\" (id INTEGER PRIMARY KEY)").name());
        DdlStatement add = DdlStatement.check("ALTER TABLE main.item ADD COLUMN stock INTEGER NOT NULL DEFAULT 5");
        assertEquals(List.of(DdlStatement.Kind.ADD_COLUMN, "item", "stock"), List.of(add.kind(), add.table(), add.column()));
        DdlStatement ren = DdlStatement.check("ALTER TABLE item RENAME COLUMN [name] TO `title`");
        assertEquals(List.of("name", "title"), List.of(ren.column(), ren.newName()));
        assertEquals("novels", DdlStatement.check("ALTER TABLE books RENAME TO novels").newName());
        assertEquals("item", DdlStatement.check("CREATE UNIQUE INDEX IF NOT EXISTS i ON item (name)").table());
        assertEquals("item", DdlStatement.check("CREATE TRIGGER tr AFTER UPDATE OF price ON item BEGIN"
                + " UPDATE item SET name = name WHERE id = NEW.id; END").table());
        assertEquals(DdlStatement.Kind.CREATE_VIEW, DdlStatement.check("CREATE VIEW v AS SELECT 1").kind());
        assertTrue(DdlStatement.check("DROP TABLE IF EXISTS item").destructive());
        assertTrue(DdlStatement.check("ALTER TABLE item DROP COLUMN stock").destructive());
        assertFalse(DdlStatement.check("DROP INDEX i").destructive());
        assertEquals("weather", DdlStatement.check("CREATE TABLE weather (temp REAL, \"pragma\" TEXT)").name());
    }

    @Test
    void aRebuildsDropIsAPlainDropToEarlierReaders() {
        String marked = "DROP TABLE IF EXISTS \"item\" /* marmot: table rebuilt, its rows moved to the table that took"
                + " its name */";
        DdlStatement st = DdlStatement.check(marked);
        assertEquals(List.of(DdlStatement.Kind.DROP_TABLE, "item"), List.of(st.kind(), st.name()));
        assertTrue(Rebuilds.isRebuild(marked));
        assertFalse(Rebuilds.isRebuild("DROP TABLE IF EXISTS \"item\""));
    }

    @Test
    void refusesEverythingElse() {
        for (String hostile : List.of(
                "INSERT INTO item VALUES (1)",
                "DELETE FROM item",
                "PRAGMA writable_schema = 1",
                "ATTACH DATABASE '/tmp/x.db' AS x",
                "CREATE TABLE __marmot_state (x)",
                "CREATE TRIGGER t AFTER INSERT ON item BEGIN DELETE FROM __marmot_log; END",
                "CREATE TRIGGER t AFTER INSERT ON item BEGIN SELECT load_extension('evil'); END",
                "CREATE VIEW v AS SELECT sql FROM sqlite_master",
                "DROP TABLE sqlite_sequence",
                "CREATE TEMP TABLE t (x)",
                "CREATE VIRTUAL TABLE f USING fts5(body)",
                "CREATE TABLE copy AS SELECT * FROM item",
                "CREATE TABLE other.t (x)",
                "ALTER TABLE item RENAME TO x; DROP TABLE y",
                "DROP TABLE item; DELETE FROM other",
                "VACUUM",
                "")) {
            assertThrows(IllegalArgumentException.class, () -> DdlStatement.check(hostile), hostile);
        }
    }

    @Test
    void aPreparedStatementRunsOnlyTheFirstStatementOfTheText() throws Exception {
        // CREATE statements are checked by their head; what SQLite compiles after the first statement never runs.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:")) {
            String sql = "CREATE TABLE a (x); CREATE TABLE b (x)";
            DdlStatement.check(sql);
            try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                ps.execute();
            } catch (java.sql.SQLException refused) {
                // refusing the text whole is fine too
            }
            try (java.sql.Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'b'")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    @Test
    void columnsAddedByAlterTableAreReadFromTheNewTableText() {
        assertEquals(List.of("c TEXT DEFAULT 'a,b'", "d INT CHECK (d IN (1, 2))"), SchemaDifferences.addedDefinitions(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, c TEXT DEFAULT 'a,b', d INT CHECK (d IN (1, 2)))"));
        assertEquals(List.of(), SchemaDifferences.addedDefinitions("CREATE TABLE t (a, b)", "CREATE TABLE t (b, a)"));
    }

    @Test
    void aTableRebuiltWithAppendedColumnsIsSentAsAddedColumns() {
        SchemaJournal.Entry before = new SchemaJournal.Entry("table", "item", "item",
                "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", List.of("id", "name"), null);
        // what SQLite keeps after ALTER TABLE item_new RENAME TO item: the text of item_new, its name quoted
        SchemaJournal.Entry rebuilt = new SchemaJournal.Entry("table", "item", "item", "CREATE TABLE \"item\" (id INTEGER"
                + " PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0, note TEXT, CHECK (qty >= 0))",
                List.of("id", "name", "qty", "note"), null);
        assertEquals(List.of("ALTER TABLE \"item\" ADD COLUMN qty INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE \"item\" ADD COLUMN note TEXT"),
                SchemaDifferences.between(java.util.Map.of(before.key(), before), java.util.Map.of(rebuilt.key(), rebuilt)));
    }
}
