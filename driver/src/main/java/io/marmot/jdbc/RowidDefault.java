package io.marmot.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.sqlite.jdbc4.JDBC4Statement;

/**
 * Refuses a new table whose {@code INTEGER PRIMARY KEY} has {@code DEFAULT (marmot_id())}: SQLite never uses the
 * default of a rowid alias and picks {@code max(rowid) + 1}, so the keys would collide between nodes exactly as if
 * no default were written, and nothing would say so.
 */
final class RowidDefault {
    private static final String TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'";
    /** Only tables whose statement names marmot_id are looked into, so a CREATE TABLE costs two reads of the schema. */
    private static final String OFFENDING = "SELECT m.name, k.name FROM sqlite_master m, pragma_table_list(m.name) t,"
            + " pragma_table_info(m.name) k WHERE m.type = 'table' AND m.sql LIKE '%marmot\\_id%' ESCAPE '\\'"
            + " AND t.schema = 'main' AND t.wr = 0 AND k.pk = 1 AND upper(k.type) = 'INTEGER'"
            + " AND k.dflt_value LIKE '%marmot\\_id%' ESCAPE '\\'"
            + " AND (SELECT count(*) FROM pragma_table_info(m.name) WHERE pk > 0) = 1";

    private RowidDefault() {
    }

    /** The tables before a CREATE TABLE, so that only the new ones are looked at after it. */
    static Set<String> tables(MarmotConnection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement s = new JDBC4Statement(c); ResultSet rs = s.executeQuery(TABLES)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Drops a table just created with such a key (in the caller's transaction) and says why. */
    static void refuse(MarmotConnection c, Set<String> before) throws SQLException {
        String table = null;
        String column = null;
        try (Statement q = new JDBC4Statement(c); ResultSet rs = q.executeQuery(OFFENDING)) {
            while (table == null && rs.next()) {
                if (!before.contains(rs.getString(1))) {
                    table = rs.getString(1);
                    column = rs.getString(2);
                }
            }
        }
        if (table == null) {
            return;
        }
        try (Statement s = new JDBC4Statement(c)) { // after the query is closed: SQLite drops no table it reads
            s.execute("DROP TABLE \"" + table.replace("\"", "\"\"") + "\"");
        }
        throw new SQLException("table " + table + " not created: SQLite never uses the DEFAULT of an INTEGER PRIMARY"
                + " KEY (" + column + " is the rowid, which takes max(rowid) + 1 and collides between nodes). Declare it "
                + column + " BIGINT PRIMARY KEY DEFAULT (marmot_id()), or keep INTEGER and insert marmot_id() as its"
                + " value", "42000");
    }
}
