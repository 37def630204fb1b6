package io.marmot.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.fixture.OneDatabase;
import io.marmot.testing.Db;
import io.marmot.wire.RowChange;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What column-level merge sends of an update: exactly the columns whose value changed, with their new values,
 * whether the column is NOT NULL (logged NULL when unchanged), nullable (a mask bit), or beyond the columns the
 * first way covers; through the driver and through a plain connection (another program) alike.
 */
class ChangedColumnsTest {
    Path db;
    Connection c;
    @RegisterExtension
    final OneDatabase database = OneDatabase.named("changed.db")
            .schema("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER, b BLOB NOT NULL, r REAL)",
                    "CREATE TABLE w (" + wideColumns() + ")")
            .into((path, connection) -> {
                db = path;
                c = connection;
            });

    /** 60 columns: k the key, v1..v59, NOT NULL on the odd ones (from v44 on past the NOT NULL bits of op). */
    private static String wideColumns() {
        StringBuilder sb = new StringBuilder("k INTEGER PRIMARY KEY");
        for (int i = 1; i < 60; i++) {
            sb.append(", v").append(i).append(i % 2 == 1 ? " NOT NULL DEFAULT 0" : "");
        }
        return sb.toString();
    }

    @Test
    void anUpdateNamesTheColumnsItChangedAndTheirNewValues() throws Exception {
        Db.exec(c, "INSERT INTO t VALUES (1, 'x', 5, X'01', 1.5)");
        Db.exec(c, "UPDATE t SET a = 'y', n = n, b = b WHERE id = 1"); // a NOT NULL column changed, others kept
        Db.exec(c, "UPDATE t SET a = 'y', n = NULL WHERE id = 1"); // a nullable column to NULL, a NOT NULL one kept
        Db.exec(c, "UPDATE t SET b = X'', r = NULL WHERE id = 1"); // an empty blob; r changed to NULL
        Db.exec(c, "UPDATE t SET a = a, n = n, b = b, r = r WHERE id = 1"); // nothing changed
        try (Connection other = Db.plain(db)) { // another program's writes, through the same triggers
            Db.exec(other, "UPDATE t SET n = 7, r = 2.5, a = '' WHERE id = 1");
        }
        assertEquals(List.of(
                Map.of("a", "y"),
                new LinkedHashMap<>(Map.of("n", "null")),
                Map.of("b", "[]", "r", "null"),
                Map.of(),
                Map.of("a", "", "n", 7L, "r", 2.5)), updates("t"));
    }

    @Test
    void columnsBeyondTheNotNullBitsAreReadFromTheMask() throws Exception {
        Db.exec(c, "INSERT INTO w (k) VALUES (1)");
        Db.exec(c, "UPDATE w SET v1 = 1, v2 = 2, v43 = 43, v45 = 45, v46 = NULL, v47 = 47, v49 = 49, v50 = NULL, v51 = 0, v59 = 59 WHERE k = 1");
        assertEquals(List.of(Map.of("v1", 1L, "v2", 2L, "v43", 43L, "v45", 45L, "v47", 47L, "v49", 49L, "v59", 59L)), updates("w"));
    }

    /** Each update's changed columns (name to value; NULL as "null", a blob as its bytes) in log order. */
    private List<Map<String, Object>> updates(String table) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection plain = Db.plain(db)) {
            ChangeLog.closeGroup(plain); // auto-commit statements through the driver leave their group open
            LoggedChanges changes = new LoggedChanges();
            changes.read(plain, LogPosition.START, (seq, version, group, change) -> {
                if (change.isUpdate() && change.table().name().equals(table)) {
                    out.add(written(change));
                }
                return true;
            });
            changes.close();
        }
        return out;
    }

    private static Map<String, Object> written(RowChange change) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i : change.writtenColumns()) {
            Object v = change.values()[i];
            m.put(change.table().columns().get(i), v == null ? "null" : v instanceof byte[] b ? Arrays.toString(b) : v);
        }
        return m;
    }
}
