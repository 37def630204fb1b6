package io.marmot.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema changes this node sends, found by comparing the catalogue with the schema as last sent. Whoever
 * changed the schema — a statement through the driver, the {@code sqlite3} shell, another program — the change
 * shows in {@code sqlite_master}; {@link #record} turns the difference into statements peers can run
 * ({@code CREATE …} as SQLite keeps it, {@code ALTER TABLE … ADD COLUMN} with the column's definition as written,
 * renames, drops) and puts them in the outbox {@code __marmot_ddl} with the log position they must follow, in the
 * caller's transaction. Schema changes received from peers only {@link #refresh} the record, so they are never sent
 * on again.
 */
public final class SchemaJournal {
    private static final Logger log = LoggerFactory.getLogger(SchemaJournal.class);
    public static final String SENT = Identifiers.INTERNAL_PREFIX + "schema";
    public static final String OUTBOX = Identifiers.INTERNAL_PREFIX + "ddl";
    private static final String SEP = "\u001f";

    private SchemaJournal() {
    }

    /** An object of the user's schema as the catalogue holds it; {@code columns} only for tables. */
    record Entry(String type, String name, String table, String sql, List<String> columns, String shape) {
        String key() {
            return type + ' ' + name.toLowerCase(Locale.ROOT);
        }
    }

    /** A statement waiting to be sent: rows logged up to {@code barrier} go before it, later ones after it. */
    public record Outgoing(long seq, long barrier, long createdMillis, String sql) {
    }

    public static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + SENT
                    + " (type TEXT NOT NULL, name TEXT NOT NULL, tbl_name TEXT, sql TEXT, columns TEXT, shape TEXT,"
                    + " PRIMARY KEY (type, name))");
            boolean hasShape;
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pragma_table_info('" + SENT + "') WHERE name = 'shape'")) {
                hasShape = rs.next();
            }
            if (!hasShape) {
                s.execute("ALTER TABLE " + SENT + " ADD COLUMN shape TEXT"); // records of earlier versions
            }
            PastShapes.create(c);
            s.execute("CREATE TABLE IF NOT EXISTS " + OUTBOX
                    + " (seq INTEGER PRIMARY KEY, barrier INTEGER NOT NULL, created INTEGER NOT NULL, sql TEXT NOT NULL)");
        }
    }

    /** Whether rows of a table were logged in the open change group. */
    @FunctionalInterface
    public interface OpenGroupCheck {
        boolean loggedIn(String table) throws SQLException;
    }

    /**
     * What one recording did: the statements for the peers, and whether they follow every row logged so far (rows of
     * the open change group that only the old schema can take were logged: the group must end at the schema change).
     */
    public record Recorded(List<String> statements, boolean splitsGroup) {
    }

    /**
     * Records what changed in the schema since it was last recorded (or refreshed) as statements for the peers, and
     * takes the catalogue as the record. Runs in the caller's (write) transaction. The statements go before the open
     * change group ({@code groupStart}: the transaction making the change stays whole), unless the group holds rows
     * of a table renamed, dropped, or whose columns changed other than by additions: then after {@code logged}, every
     * row logged so far. Those rows keep the shapes their tables had ({@link PastShapes}).
     *
     * @param groupStart the last log position before the open change group
     * @param logged the last log position
     */
    public static Recorded record(Connection c, Predicate<String> replicated, long groupStart, long logged,
            OpenGroupCheck openGroup) throws SQLException {
        create(c);
        Map<String, Entry> before = recorded(c);
        Map<String, Entry> now = current(c, replicated);
        List<String> statements = Rebuilds.mark(c, SchemaDifferences.between(before, now));
        // also when nothing can be sent: the peers keep the old shape, and get the rows written in it
        List<String> incompatible = PastShapes.keepChanged(c, before, now, logged);
        boolean split = false;
        if (!statements.isEmpty()) {
            for (String table : incompatible) {
                split |= groupStart < logged && openGroup.loggedIn(table);
            }
            long created = System.currentTimeMillis();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + OUTBOX + " (barrier, created, sql) VALUES (?, ?, ?)")) {
                for (String sql : statements) {
                    ps.setLong(1, split ? logged : groupStart);
                    ps.setLong(2, created);
                    ps.setString(3, sql);
                    ps.executeUpdate();
                }
            }
            log.info("schema changed: {} statement(s) to send: {}", statements.size(), statements);
        }
        if (!statements.isEmpty() || !before.keySet().equals(now.keySet()) || changed(before, now)) {
            store(c, now);
        }
        return new Recorded(statements, split);
    }

    /**
     * Takes the catalogue as the record without sending anything (after applying a peer's change); the rows logged
     * up to {@code loggedUpTo} keep the shapes their tables had.
     */
    public static void refresh(Connection c, Predicate<String> replicated, long loggedUpTo) throws SQLException {
        create(c);
        Map<String, Entry> now = current(c, replicated);
        PastShapes.keepChanged(c, recorded(c), now, loggedUpTo);
        store(c, now);
    }

    /** The shape of a table as last recorded (what peers were told), or null. */
    public static TableInfo recordedShape(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT shape FROM " + SENT + " WHERE type = 'table' AND name = ? COLLATE NOCASE")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? StoredShape.decode(rs.getString(1)) : null;
            }
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("no such")) {
                return null; // no record yet (or one of an earlier version, without shapes)
            }
            throw e;
        }
    }

    /** The statements waiting to be sent, oldest first. */
    public static List<Outgoing> outbox(Connection c, int limit) throws SQLException {
        List<Outgoing> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq, barrier, created, sql FROM " + OUTBOX + " ORDER BY seq LIMIT " + limit)) {
            while (rs.next()) {
                out.add(new Outgoing(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)));
            }
        }
        return out;
    }

    /** Removes a statement once JetStream acknowledged it. */
    public static void sent(Connection c, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + OUTBOX + " WHERE seq = ?")) {
            ps.setLong(1, seq);
            ps.executeUpdate();
        }
    }

    /**
     * A short digest of this node's replicated schema (its record, as last sent or applied): nodes whose fingerprints
     * are equal have the same tables, columns, indexes, views and triggers.
     */
    public static String fingerprint(Connection c) throws SQLException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT type, lower(name), sql FROM " + SENT + " ORDER BY 1, 2")) {
            while (rs.next()) {
                // Quoting and spacing differ with how a statement was written (a peer runs renames quoted): ignored.
                String sql = String.valueOf(rs.getString(3)).replaceAll("[\"`\\[\\]]", "").replaceAll("\\s+", " ")
                        .toLowerCase(Locale.ROOT);
                String line = rs.getString(1) + ' ' + rs.getString(2) + ' ' + sql + '\n';
                sha.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    /** Whether the table (by its name) exists here. */
    public static boolean exists(Connection c, String type, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ? COLLATE NOCASE")) {
            ps.setString(1, type);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The table an index or trigger belongs to, or null. */
    public static String tableOf(Connection c, String type, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT tbl_name FROM sqlite_master WHERE type = ? AND name = ? COLLATE NOCASE")) {
            ps.setString(1, type);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static boolean changed(Map<String, Entry> before, Map<String, Entry> now) {
        for (Map.Entry<String, Entry> e : now.entrySet()) {
            Entry b = before.get(e.getKey());
            if (b == null || !Objects.equals(b.sql(), e.getValue().sql()) || !Objects.equals(b.shape(), e.getValue().shape())) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Entry> recorded(Connection c) throws SQLException {
        Map<String, Entry> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql, columns, shape FROM " + SENT + " ORDER BY rowid")) {
            while (rs.next()) {
                String cols = rs.getString(5);
                Entry e = new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        cols == null || cols.isEmpty() ? List.of() : List.of(cols.split(SEP, -1)), rs.getString(6));
                out.put(e.key(), e);
            }
        }
        return out;
    }

    /** The user's replicated schema objects, in the catalogue's order (tables before what depends on them). */
    static Map<String, Entry> current(Connection c, Predicate<String> replicated) throws SQLException {
        Set<String> tables = new HashSet<>();
        for (String t : SchemaReader.userTables(c)) {
            if (replicated.test(t)) {
                tables.add(t.toLowerCase(Locale.ROOT));
            }
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master"
                        + " WHERE sql IS NOT NULL AND type IN ('table', 'index', 'view', 'trigger') ORDER BY rowid")) {
            while (rs.next()) {
                String type = rs.getString(1);
                String name = rs.getString(2);
                String table = rs.getString(3);
                if (Identifiers.isInternal(name) || Identifiers.isInternal(table)
                        || name.regionMatches(true, 0, "sqlite_", 0, 7)) {
                    continue;
                }
                boolean ofATable = !type.equals("view");
                if (ofATable && !tables.contains(table.toLowerCase(Locale.ROOT))) {
                    continue; // virtual and shadow tables, tables kept out of replication, and what belongs to them
                }
                List<String> columns = type.equals("table") ? SchemaReader.columnNames(c, name) : List.of();
                Entry e = new Entry(type, name, table, rs.getString(4), columns, type.equals("table") ? shape(c, name) : null);
                out.put(e.key(), e);
            }
        }
        return out;
    }

    private static String shape(Connection c, String table) throws SQLException {
        try {
            TableInfo t = SchemaReader.table(c, table);
            return t == null ? null : StoredShape.encode(t);
        } catch (SQLException e) {
            return null; // a table marmot cannot key (no primary key, rowid names taken): capture says so
        }
    }

    private static void store(Connection c, Map<String, Entry> now) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM " + SENT);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + SENT + " (type, name, tbl_name, sql, columns, shape) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Entry e : now.values()) {
                ps.setString(1, e.type());
                ps.setString(2, e.name());
                ps.setString(3, e.table());
                ps.setString(4, e.sql());
                ps.setString(5, String.join(SEP, e.columns()));
                ps.setString(6, e.shape());
                ps.executeUpdate();
            }
        }
    }
}
