package io.marmot.schema;

import static io.marmot.schema.Identifiers.quote;

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
        List<String> statements = differences(before, now);
        // also when nothing can be sent: the peers keep the old shape, and get the rows written in it
        List<String> incompatible = keepPastShapes(c, before, now, logged);
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
        keepPastShapes(c, recorded(c), now, loggedUpTo);
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

    /**
     * Tables whose shape changed or that are gone: what their rows logged so far look like is kept. Returns the
     * (former) names of those whose rows the new schema cannot take: renamed, dropped, or columns dropped or renamed.
     */
    private static List<String> keepPastShapes(Connection c, Map<String, Entry> before, Map<String, Entry> now, long upto)
            throws SQLException {
        List<String> incompatible = new ArrayList<>();
        for (Entry b : before.values()) {
            if (!b.type().equals("table") || b.shape() == null) {
                continue;
            }
            Entry n = now.get(b.key());
            if (n == null || !b.shape().equals(n.shape())) {
                TableInfo was = StoredShape.decode(b.shape());
                if (was != null) {
                    PastShapes.record(c, was, upto);
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

    /** The statements that take a peer from {@code before} to {@code now}, in an order that works. */
    static List<String> differences(Map<String, Entry> before, Map<String, Entry> now) {
        List<String> out = new ArrayList<>();
        List<Entry> goneTables = new ArrayList<>();
        List<Entry> newTables = new ArrayList<>();
        for (Entry e : before.values()) {
            if (e.type().equals("table") && !now.containsKey(e.key())) {
                goneTables.add(e);
            }
        }
        for (Entry e : now.values()) {
            if (e.type().equals("table") && !before.containsKey(e.key())) {
                newTables.add(e);
            }
        }
        // A table that vanished while one of the same body appeared was renamed.
        for (Entry gone : new ArrayList<>(goneTables)) {
            for (Entry added : newTables) {
                if (body(gone.sql()).equals(body(added.sql()))) {
                    out.add("ALTER TABLE " + quote(gone.name()) + " RENAME TO " + quote(added.name()));
                    goneTables.remove(gone);
                    newTables.remove(added);
                    break;
                }
            }
        }
        for (Entry added : newTables) {
            out.add(added.sql());
        }
        for (Entry e : now.values()) {
            Entry b = before.get(e.key());
            if (e.type().equals("table") && b != null && !Objects.equals(b.sql(), e.sql())) {
                out.addAll(columnChanges(b, e));
            }
        }
        Set<String> goneTableNames = new HashSet<>();
        goneTables.forEach(g -> goneTableNames.add(g.name().toLowerCase(Locale.ROOT)));
        for (Entry e : before.values()) {
            if (!e.type().equals("table") && !sameSql(e, now.get(e.key()))
                    && !goneTableNames.contains(String.valueOf(e.table()).toLowerCase(Locale.ROOT))) {
                // dropped, or changed (dropped and created again); objects of a dropped table go with it
                out.add("DROP " + e.type().toUpperCase(Locale.ROOT) + " IF EXISTS " + quote(e.name()));
            }
        }
        for (String type : List.of("index", "view", "trigger")) {
            for (Entry e : now.values()) {
                if (e.type().equals(type) && !sameSql(e, before.get(e.key()))) {
                    out.add(e.sql());
                }
            }
        }
        for (Entry gone : goneTables) {
            out.add("DROP TABLE IF EXISTS " + quote(gone.name()));
        }
        return out;
    }

    private static boolean sameSql(Entry a, Entry b) {
        return b != null && Objects.equals(a.sql(), b.sql());
    }

    /** What became of a table's columns: added (with their definitions as written), renamed, dropped. */
    private static List<String> columnChanges(Entry before, Entry now) {
        List<String> out = new ArrayList<>();
        List<String> was = before.columns();
        List<String> is = now.columns();
        String table = quote(now.name());
        if (was.size() == is.size()) {
            int differing = -1;
            for (int i = 0; i < was.size(); i++) {
                if (!was.get(i).equalsIgnoreCase(is.get(i))) {
                    if (differing >= 0) {
                        differing = -2;
                        break;
                    }
                    differing = i;
                }
            }
            if (differing >= 0) {
                out.add("ALTER TABLE " + table + " RENAME COLUMN " + quote(was.get(differing)) + " TO " + quote(is.get(differing)));
                return out;
            }
            if (differing == -1) {
                return out; // same columns: a change SQLite made to the text (a renamed table it references, say)
            }
        }
        if (is.size() > was.size() && lowered(is.subList(0, was.size())).equals(lowered(was))) {
            List<String> definitions = addedDefinitions(before.sql(), now.sql());
            int added = is.size() - was.size();
            if (definitions.size() == added) {
                for (String d : definitions) {
                    out.add("ALTER TABLE " + table + " ADD COLUMN " + d);
                }
                return out;
            }
        }
        List<String> kept = new ArrayList<>(lowered(was));
        kept.retainAll(lowered(is));
        if (kept.equals(lowered(is))) {
            for (String c : was) {
                if (!lowered(is).contains(c.toLowerCase(Locale.ROOT))) {
                    out.add("ALTER TABLE " + table + " DROP COLUMN " + quote(c));
                }
            }
            return out;
        }
        log.warn("table {} changed in a way that cannot be sent to the other nodes (columns {} became {}): change"
                + " their schema the same way", now.name(), was, is);
        return out;
    }

    /** The column definitions SQLite inserted into the CREATE TABLE text when columns were added. */
    static List<String> addedDefinitions(String before, String now) {
        int prefix = 0;
        while (prefix < before.length() && prefix < now.length() && before.charAt(prefix) == now.charAt(prefix)) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < before.length() - prefix && suffix < now.length() - prefix
                && before.charAt(before.length() - 1 - suffix) == now.charAt(now.length() - 1 - suffix)) {
            suffix++;
        }
        if (prefix + suffix != before.length()) {
            return List.of();
        }
        String inserted = now.substring(prefix, now.length() - suffix).trim();
        if (!inserted.startsWith(",")) {
            return List.of();
        }
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 1;
        char quote = 0;
        for (int i = 1; i < inserted.length(); i++) {
            char ch = inserted.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '\'' || ch == '"' || ch == '`') {
                quote = ch;
            } else if (ch == '[') {
                quote = ']';
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
            } else if (ch == ',' && depth == 0) {
                parts.add(inserted.substring(start, i).trim());
                start = i + 1;
            }
        }
        parts.add(inserted.substring(start).trim());
        return parts;
    }

    private static List<String> lowered(List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
        return out;
    }

    /** The CREATE TABLE text from its column list on (what a rename leaves alone). */
    private static String body(String sql) {
        int open = sql == null ? -1 : sql.indexOf('(');
        return open < 0 ? String.valueOf(sql) : sql.substring(open);
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
