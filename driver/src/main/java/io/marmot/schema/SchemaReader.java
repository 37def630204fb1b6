package io.marmot.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads which user tables exist and their columns and keys, straight from SQLite's own catalogue. */
public final class SchemaReader {
    private SchemaReader() {
    }

    /** Ordinary user tables: no virtual, shadow (FTS internals), sqlite_ or marmot tables. */
    public static List<String> userTables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
                        + " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (!Identifiers.isInternal(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The table's shape, or null when no such table exists. */
    public static TableInfo table(Connection c, String table) throws SQLException {
        List<TableInfo.Column> columns = new ArrayList<>();
        Map<Integer, String> key = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getInt(4) != 0) {
                        continue; // generated (2, 3) or virtual-table hidden (1) columns are not stored rows
                    }
                    String name = rs.getString(1);
                    int pk = rs.getInt(3);
                    columns.add(new TableInfo.Column(name, rs.getString(2), pk > 0));
                    if (pk > 0) {
                        key.put(pk, name);
                    }
                }
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        List<String> keyColumns = new ArrayList<>(key.values());
        String rowidAlias = null;
        if (keyColumns.isEmpty()) {
            for (String alias : List.of("rowid", "_rowid_", "oid")) {
                if (columns.stream().noneMatch(col -> col.name().equalsIgnoreCase(alias))) {
                    rowidAlias = alias;
                    break;
                }
            }
            if (rowidAlias == null) {
                throw new SQLException("Table '" + table + "' has no primary key and columns named rowid, _rowid_ and oid:"
                        + " marmot cannot identify its rows; declare a primary key or exclude it with exclude-tables");
            }
        }
        return new TableInfo(table, columns, keyColumns, rowidAlias);
    }

    /** Every column's name in order, generated ones included (what ALTER TABLE statements name). */
    public static List<String> columnNames(Connection c, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM pragma_table_xinfo(?, 'main') WHERE hidden <> 1 ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    public static int schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
