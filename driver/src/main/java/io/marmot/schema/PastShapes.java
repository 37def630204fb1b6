package io.marmot.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What tables looked like before a schema change ({@code __marmot_shapes}): the rows of table {@code tbl} logged up
 * to position {@code upto} have that shape, whatever the table became (renamed, dropped, a column dropped or
 * renamed). The publisher sends them as they were, before the schema change; an entry goes once the log no longer
 * holds rows it describes.
 */
public final class PastShapes {
    public static final String TABLE = Identifiers.INTERNAL_PREFIX + "shapes";

    /** Rows of {@code table} logged at positions up to {@code upto} have {@code shape}. */
    public record Past(String table, long upto, TableInfo shape) {
    }

    private PastShapes() {
    }

    public static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE
                    + " (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, upto INTEGER NOT NULL, shape TEXT NOT NULL)");
        }
    }

    /**
     * Tables whose shape changed or that are gone: what their rows logged so far look like is kept. Returns the
     * (former) names of those whose rows the new schema cannot take: renamed, dropped, or columns dropped or renamed.
     */
    static List<String> keepChanged(Connection c, Map<String, SchemaJournal.Entry> before,
            Map<String, SchemaJournal.Entry> now, long upto) throws SQLException {
        List<String> incompatible = new ArrayList<>();
        for (SchemaJournal.Entry b : before.values()) {
            if (!b.type().equals("table") || b.shape() == null) {
                continue;
            }
            SchemaJournal.Entry n = now.get(b.key());
            if (n == null || !b.shape().equals(n.shape())) {
                TableInfo was = StoredShape.decode(b.shape());
                if (was != null) {
                    record(c, was, upto);
                    if (n == null || !extends_(StoredShape.decode(n.shape()), was)) {
                        incompatible.add(b.name());
                    }
                }
            }
        }
        return incompatible;
    }

    /** Whether {@code now} is {@code was} with columns added at the end (rows of {@code was} fit it). */
    private static boolean extends_(TableInfo now, TableInfo was) {
        if (now == null || now.columns().size() < was.columns().size() || !now.keyColumns().equals(was.keyColumns())) {
            return false;
        }
        for (int i = 0; i < was.columns().size(); i++) {
            if (!now.columns().get(i).name().equalsIgnoreCase(was.columns().get(i).name())) {
                return false;
            }
        }
        return true;
    }

    static void record(Connection c, TableInfo shape, long upto) throws SQLException {
        create(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (tbl, upto, shape) VALUES (?, ?, ?)")) {
            ps.setString(1, shape.name());
            ps.setLong(2, upto);
            ps.setString(3, StoredShape.encode(shape));
            ps.executeUpdate();
        }
    }

    /** The entries describing rows after {@code after}, oldest change first; empty when there is no such table. */
    public static List<Past> load(Connection c, long after) throws SQLException {
        List<Past> out = new ArrayList<>();
        if (!exists(c)) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT tbl, upto, shape FROM " + TABLE + " WHERE upto > ? ORDER BY upto, id")) {
            ps.setLong(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableInfo shape = StoredShape.decode(rs.getString(3));
                    if (shape != null) {
                        out.add(new Past(rs.getString(1), rs.getLong(2), shape));
                    }
                }
            }
        }
        return out;
    }

    /** The shape rows of {@code table} logged at {@code seq} have, per {@code past}; null: the table's later shape. */
    public static TableInfo at(List<Past> past, String table, long seq) {
        if (past.isEmpty()) {
            return null; // the common case, asked for every logged row: no iterator
        }
        for (Past p : past) {
            if (p.upto() >= seq && p.table().equalsIgnoreCase(table)) {
                return p.shape();
            }
        }
        return null;
    }

    /** Whether entries describe only rows before {@code firstLogged}, which the log no longer holds. */
    public static boolean anyBefore(Connection c, long firstLogged) throws SQLException {
        if (!exists(c)) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + TABLE + " WHERE upto < ?)")) {
            ps.setLong(1, firstLogged);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Forgets those entries; how many. */
    public static int forgetBefore(Connection c, long firstLogged) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE upto < ?")) {
            ps.setLong(1, firstLogged);
            return ps.executeUpdate();
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + TABLE + "'")) {
            return rs.next();
        }
    }
}
