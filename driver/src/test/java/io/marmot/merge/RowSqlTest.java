package io.marmot.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The statements a received row is written with: keyed by the declared key or the rowid, names quoted. */
class RowSqlTest {
    private final RowSql keyed = new RowSql("t", new String[] {"id", "name", "qty"}, new int[] {0}, null);
    private final RowSql byRowid = new RowSql("t", new String[] {"name"}, new int[0], "rowid");

    @Test
    void aKeyedTableIsUpsertedOnItsKeyOnly() {
        assertEquals("INSERT INTO \"t\" (\"id\", \"name\", \"qty\") VALUES (?, ?, ?) ON CONFLICT (\"id\") DO UPDATE SET"
                + " \"name\" = excluded.\"name\", \"qty\" = excluded.\"qty\"", keyed.upsert());
        assertEquals("UPDATE \"t\" SET \"name\" = ?, \"qty\" = ? WHERE \"id\" IS ?", keyed.update());
        assertEquals("DELETE FROM \"t\" WHERE \"id\" IS ?", keyed.delete());
        assertEquals(1, keyed.keyCount());
        assertTrue(keyed.isKey(0));
        assertFalse(keyed.isKey(1));
    }

    @Test
    void manyRowsOfAKeyedTableGoInOneStatement() {
        assertEquals("INSERT INTO \"t\" (\"id\", \"name\", \"qty\") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (\"id\") DO"
                + " UPDATE SET \"name\" = excluded.\"name\", \"qty\" = excluded.\"qty\"", keyed.upsertRows(2));
        assertEquals("UPDATE \"t\" SET \"qty\" = __marmot_v.column2 FROM (VALUES (?, ?), (?, ?)) AS __marmot_v"
                + " WHERE \"t\".\"id\" = __marmot_v.column1", keyed.updateRows(List.of("qty"), 2));
        assertEquals("DELETE FROM \"t\" WHERE (\"id\") IN (VALUES (?), (?), (?))", keyed.deleteRows(3));
    }

    @Test
    void aRowidTableIsUpdatedThenInsertedWithItsRowid() {
        assertNull(byRowid.upsert());
        assertEquals("UPDATE \"t\" SET \"name\" = ? WHERE rowid = ?", byRowid.update());
        assertEquals("INSERT INTO \"t\" (rowid, \"name\") VALUES (?, ?)", byRowid.insert());
        assertEquals(1, byRowid.keyCount());
        assertFalse(byRowid.isKey(0), "with a rowid, every column of the message is a value");
    }

    @Test
    void aRowThatIsAllKeyIsInsertedOnce() {
        RowSql allKey = new RowSql("pairs", new String[] {"a", "b"}, new int[] {0, 1}, null);
        assertNull(allKey.update());
        assertEquals("INSERT INTO \"pairs\" (\"a\", \"b\") VALUES (?, ?) ON CONFLICT DO NOTHING", allKey.insert());
        assertEquals("INSERT INTO \"pairs\" (\"a\", \"b\") VALUES (?, ?) ON CONFLICT (\"a\", \"b\") DO NOTHING",
                allKey.upsert());
    }

    @Test
    void columnSubsetsAndTheHolderOfAUniqueValue() {
        assertEquals("UPDATE \"t\" SET \"qty\" = ? WHERE \"id\" IS ?", keyed.update(List.of("qty")));
        assertEquals("SELECT 1, \"name\" FROM \"t\" WHERE \"id\" IS ?", keyed.read(List.of("name")));
        assertEquals("SELECT 1 FROM \"t\" WHERE \"id\" IS ?", keyed.read(List.of()));
        assertEquals("SELECT \"id\" FROM \"t\" WHERE \"name\" = ? AND NOT (\"id\" IS ?)", keyed.holderOf(List.of("name")));
        assertEquals("SELECT rowid FROM \"t\" WHERE \"name\" = ? AND NOT (rowid = ?)", byRowid.holderOf(List.of("name")));
    }

    @Test
    void namesAreQuotedWhateverTheyHold() {
        RowSql odd = new RowSql("a\"b", new String[] {"k", "x\"; DROP TABLE t; --"}, new int[] {0}, null);
        assertEquals("DELETE FROM \"a\"\"b\" WHERE \"k\" IS ?", odd.delete());
        assertEquals("UPDATE \"a\"\"b\" SET \"x\"\"; DROP TABLE t; --\" = ? WHERE \"k\" IS ?", odd.update());
    }
}
