package io.marmot.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Small JDBC helpers for the tests: open marmot nodes (by URL, so this module needs no compile dependency on the
 * driver) and plain sqlite-jdbc connections, run SQL, read values, rows and whole databases.
 */
public final class Db {
    public static final String MARMOT = "jdbc:marmot:sqlite:";

    private Db() {
    }

    /** Switches replication off, so that these tests see capture alone (no NATS, no publisher pruning the log). */
    public static final String CAPTURE_ONLY = "publish=false&replicate=false";

    /**
     * A driver URL for {@code db} with URL parameters such as {@code "node-id=1"}; capture only (see
     * {@link #CAPTURE_ONLY}) unless the parameters say otherwise about publish or replicate.
     */
    public static String url(Path db, String params) {
        String p = params == null ? "" : params;
        if (!p.contains("publish=") && !p.contains("replicate=")) {
            p = p.isEmpty() ? CAPTURE_ONLY : p + "&" + CAPTURE_ONLY;
        }
        return MARMOT + db + "?" + p;
    }

    /** A driver connection to {@code db} with URL parameters such as {@code "node-id=1"}, capture only. */
    public static Connection open(Path db, String params) throws SQLException {
        return DriverManager.getConnection(url(db, params));
    }

    public static Connection open(Path db) throws SQLException {
        return open(db, "node-id=1");
    }

    /** A driver URL for {@code db} with exactly the given marmot and sqlite-jdbc parameters ({@code a=1&b=2}). */
    public static String nodeUrl(Path db, String params) {
        return MARMOT + db + (params == null || params.isEmpty() ? "" : "?" + params);
    }

    /** A replicating marmot node: a driver connection to {@code db} with exactly the given parameters. */
    public static Connection node(Path db, String params) throws SQLException {
        return DriverManager.getConnection(nodeUrl(db, params));
    }

    /** Node {@code id} on {@code db}, replicating through the nats-server at {@code natsUrl}, polling every 50 ms. */
    public static Connection node(Path db, long id, String natsUrl) throws SQLException {
        return node(db, "node-id=" + id + "&nats-url=" + natsUrl + "&poll-interval=50");
    }

    /** A plain sqlite-jdbc connection (no marmot), to look at the file as another program would. */
    public static Connection plain(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db, new Properties());
    }

    public static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    /** Every row of a query as column label to value, in order. */
    public static List<Map<String, Object>> rows(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<Map<String, Object>> out = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    /** Every row of a query as a list of values, in order. */
    public static List<List<Object>> list(Connection c, String sql, Object... args) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows(c, sql, args)) {
            out.add(new ArrayList<>(row.values()));
        }
        return out;
    }

    /** The first column of the first row, or null when there is no row. */
    public static Object scalar(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        }
    }

    /** The first column of the first row as a long (SQLite integers come back as Integer or Long). */
    public static long longValue(Connection c, String sql, Object... args) throws SQLException {
        Object v = scalar(c, sql, args);
        if (v == null) {
            throw new AssertionError("no value from " + sql);
        }
        return ((Number) v).longValue();
    }

    public static long count(Connection c, String sql, Object... args) throws SQLException {
        Object v = scalar(c, sql, args);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /** Change-log rows of one table in commit (seq) order. */
    public static List<Map<String, Object>> log(Connection c, String table) throws SQLException {
        return rows(c, "SELECT *, op & 15 AS op, op >> 4 & 32767 AS cols FROM __marmot_log WHERE tbl = ? ORDER BY seq", table); // op decoded
    }

    public static long logCount(Connection c, String table) throws SQLException {
        return count(c, "SELECT count(*) FROM __marmot_log WHERE tbl = ?", table);
    }

    /** Names of the tables, indexes and triggers of the engine in sqlite_master. */
    public static List<String> internalObjects(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        for (List<Object> row : list(c, "SELECT type || ' ' || name FROM sqlite_master"
                + " WHERE name LIKE '%\\_\\_marmot\\_%' ESCAPE '\\' OR tbl_name LIKE '\\_\\_marmot\\_%' ESCAPE '\\'")) {
            out.add((String) row.get(0));
        }
        return out;
    }

    /** {@link #count} of a query on the file as another program reads it (plain sqlite-jdbc, no marmot). */
    public static long count(Path db, String sql, Object... args) throws SQLException {
        try (Connection c = plain(db)) {
            return count(c, sql, args);
        }
    }

    /** The first column of the first row as text, or null, read through plain sqlite-jdbc. */
    public static String text(Path db, String sql, Object... args) throws SQLException {
        try (Connection c = plain(db)) {
            Object v = scalar(c, sql, args);
            return v == null ? null : v.toString();
        }
    }

    /**
     * The whole content of a database's own tables, read through plain sqlite-jdbc as an outside observer: each
     * table (but SQLite's and marmot's internal ones) by name, then its rows, every value with its storage class
     * ({@code quote()}: 1, 1.0, '1', X'01', NULL are all different), rowid first for tables keyed by it. Two
     * nodes that converged give equal dumps.
     */
    public static String dump(Path db) throws SQLException {
        try (Connection c = plain(db)) {
            return dump(c);
        }
    }

    /** {@link #dump(Path)} through a given connection. */
    public static String dump(Connection c) throws SQLException {
        StringBuilder out = new StringBuilder();
        for (List<Object> table : list(c, "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
                + " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_marmot\\_%' ESCAPE '\\' ORDER BY name")) {
            String name = (String) table.get(0);
            boolean withoutRowid = ((Number) table.get(1)).intValue() == 1;
            List<String> values = new ArrayList<>();
            // The rowid is the key of a table without a declared one; beside a declared key it is not replicated.
            if (!withoutRowid && count(c, "SELECT count(*) FROM pragma_table_info(?) WHERE pk > 0", name) == 0) {
                values.add("rowid");
            }
            for (List<Object> column : list(c, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", name)) {
                values.add("quote(" + quoted((String) column.get(0)) + ")");
            }
            StringBuilder order = new StringBuilder();
            for (int i = 1; i <= values.size(); i++) {
                order.append(i == 1 ? "" : ", ").append(i);
            }
            out.append("table ").append(name).append('\n');
            for (List<Object> row : list(c, "SELECT " + String.join(", ", values) + " FROM " + quoted(name) + " ORDER BY " + order)) {
                for (int i = 0; i < row.size(); i++) {
                    out.append(i == 0 ? "" : "|").append(row.get(i));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    /** The given leading columns, then c0..c(n-1), of every change-log row of a table, in commit order. */
    /**
     * SQL for the rowid a log row carries (a table without a declared key), named {@code rid}: the value column after
     * the row's own ones; NULL for other rows.
     */
    public static String rid(Connection c) throws SQLException {
        StringBuilder sql = new StringBuilder("CASE op >> 4 & 32767");
        for (List<Object> row : list(c, "SELECT name FROM pragma_table_info('__marmot_log') WHERE name GLOB 'c[0-9]*'")) {
            String name = (String) row.get(0);
            sql.append(" WHEN ").append(name.substring(1)).append(" THEN ").append(name);
        }
        return sql.append(" END AS rid").toString();
    }

    public static List<List<Object>> logRows(Connection c, String table, String leading, int columns) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + leading);
        for (int i = 0; i < columns; i++) {
            sql.append(", c").append(i);
        }
        return list(c, sql.append(" FROM __marmot_log WHERE tbl = ? ORDER BY seq").toString(), table);
    }
}
