package io.marmot.capture;

import static io.marmot.schema.Identifiers.quote;

import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the installed capture match the schema: internal tables present, the wanted triggers on every
 * replicated table and no others. Idempotent; runs inside the caller's transaction, so a {@code CREATE TABLE}
 * through the driver and its triggers commit together.
 */
public final class CaptureInstaller {
    private static final Logger log = LoggerFactory.getLogger(CaptureInstaller.class);

    private CaptureInstaller() {
    }

    /** What one reconciliation changed. */
    public record Result(boolean firstInstall, List<String> tablesInstalled, long rowsCapturedFromExistingTables) {
    }

    /**
     * @param nodeId written on first install only
     * @param options which tables to capture, and how
     */
    public static Result reconcile(Connection c, long nodeId, CaptureOptions options) throws SQLException {
        boolean first = ChangeLog.create(c, nodeId);
        Map<String, String> installed = installedTriggers(c);
        Map<String, String> installedTables = internalObjects(c, "table");
        Set<String> captured = capturedTables(c);
        Set<String> wanted = new HashSet<>();
        List<TableInfo> tables = new ArrayList<>();
        int width = 0;
        for (String name : SchemaReader.userTables(c)) {
            if (options.replicated().test(name)) {
                TableInfo t = SchemaReader.table(c, name);
                tables.add(t);
                width = Math.max(width, t.columns().size() + (t.usesRowid() ? 1 : 0)); // the rowid after the values
            }
        }
        if (width > ChangeLog.width(c)) {
            ChangeLog.widen(c, width);
        }
        List<String> changedTables = new ArrayList<>();
        Set<String> wantedTables = new HashSet<>();
        long existingRows = 0;
        try (Statement s = c.createStatement()) {
            for (TableInfo t : tables) {
                if (options.readsRows() && RowReadingTriggers.needed(t)) {
                    for (Map.Entry<String, String> e : RowReadingTriggers.tables(t).entrySet()) {
                        wantedTables.add(e.getKey());
                        replace(s, "TABLE", e.getKey(), e.getValue(), installedTables.get(e.getKey()));
                    }
                }
                Map<String, String> triggers = TriggerBuilder.triggers(t, options.readsRows(), notNullColumns(c, t.name()));
                wanted.addAll(triggers.keySet());
                // Judged by the table the triggers are on, not their names: a renamed table keeps its triggers
                // (under the old names), and an ALTER through the driver leaves suspended ones in place.
                boolean neverCaptured = !captured.contains(t.name().toLowerCase(Locale.ROOT));
                if (neverCaptured) {
                    // Rows written before capture (the database predates marmot, or the table was created by another
                    // process or newly included) are news to the other nodes: sent as inserts with fresh versions.
                    existingRows += captureExistingRows(c, t);
                }
                boolean changed = false;
                for (Map.Entry<String, String> e : triggers.entrySet()) {
                    changed |= !e.getValue().equals(installed.get(e.getKey()));
                }
                if (changed) { // all of them, in their order: SQLite runs a table's triggers newest first
                    for (Map.Entry<String, String> e : triggers.entrySet()) {
                        recreate(s, "TRIGGER", e.getKey(), e.getValue(), installed.get(e.getKey()) != null);
                    }
                }
                if (changed) {
                    changedTables.add(t.name());
                }
            }
            for (String name : installed.keySet()) {
                if (!wanted.contains(name)) {
                    s.execute("DROP TRIGGER IF EXISTS " + quote(name));
                }
            }
            for (String name : installedTables.keySet()) {
                if (RowReadingTriggers.isOwnTable(name) && !wantedTables.contains(name)) {
                    s.execute("DROP TABLE IF EXISTS " + quote(name));
                }
            }
        }
        if (!changedTables.isEmpty()) {
            log.debug("capture installed on {}", changedTables);
        }
        return new Result(first, changedTables, existingRows);
    }

    /** Creates {@code name} as {@code wanted}, first dropping what is there when it differs; true when it did. */
    private static boolean replace(Statement s, String type, String name, String wanted, String current)
            throws SQLException {
        if (wanted.equals(current)) {
            return false;
        }
        recreate(s, type, name, wanted, current != null);
        return true;
    }

    private static void recreate(Statement s, String type, String name, String wanted, boolean exists)
            throws SQLException {
        if (exists) {
            s.execute("DROP " + type + " " + quote(name));
        }
        s.execute(wanted);
    }

    /**
     * Empties the capture triggers on one table (or on every table when {@code table} is null), so that an
     * ALTER TABLE can drop or rename the columns they name. The triggers stay, under their names and on their
     * table, doing nothing: {@link #reconcile} then re-creates them knowing the table was captured, and does not
     * log its existing rows again as if it were new. Runs in the caller's transaction, before the ALTER.
     */
    public static void suspendTriggers(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            // A write that changes nothing, to take the write lock before reading: a transaction that has only
            // read cannot wait for the lock (SQLite answers SQLITE_BUSY at once rather than call the busy
            // handler), so a concurrent commit of the engine would make the application's ALTER fail.
            s.executeUpdate("UPDATE " + ChangeLog.STATE + " SET id = id WHERE 0");
        }
        Map<String, String> suspend = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")) {
            while (rs.next()) {
                if (Identifiers.isInternal(rs.getString(1)) && (table == null || table.equalsIgnoreCase(rs.getString(2)))) {
                    suspend.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (Map.Entry<String, String> e : suspend.entrySet()) {
                s.execute("DROP TRIGGER " + quote(e.getKey()));
                s.execute("CREATE TRIGGER " + quote(e.getKey()) + " AFTER DELETE ON " + quote(e.getValue())
                        + " WHEN 0 BEGIN SELECT 1; END");
            }
        }
    }

    /** Drops every trigger the engine installed; used before a DDL statement whose table is unknown. */
    public static void dropAllTriggers(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String name : installedTriggers(c).keySet()) {
                s.execute("DROP TRIGGER IF EXISTS " + quote(name));
            }
        }
    }

    /**
     * Removes everything the engine installed (triggers, change log, versions, state), leaving the user's
     * tables and rows as they are. Runs in its own transaction.
     */
    public static void cleanup(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            dropAllTriggers(c);
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                while (rs.next()) {
                    if (Identifiers.isInternal(rs.getString(1))) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            for (String t : tables) {
                s.execute("DROP TABLE IF EXISTS " + quote(t));
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Lower-cased names of the tables that carry a trigger of the engine. */
    private static Set<String> capturedTables(Connection c) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")) {
            while (rs.next()) {
                if (Identifiers.isInternal(rs.getString(1))) {
                    out.add(rs.getString(2).toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    private static Map<String, String> installedTriggers(Connection c) throws SQLException {
        return internalObjects(c, "trigger");
    }

    /** The engine's objects of one type ({@code table}, {@code trigger}): name to CREATE statement. */
    private static Map<String, String> internalObjects(Connection c, String type) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_master WHERE type = '" + type + "'")) {
            while (rs.next()) {
                if (Identifiers.isInternal(rs.getString(1))) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Lower-cased names of the table's columns declared NOT NULL. */
    static Set<String> notNullColumns(Connection c, String table) throws SQLException {
        Set<String> out = new HashSet<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM pragma_table_info(?, 'main') WHERE \"notnull\"")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    private static long captureExistingRows(Connection c, TableInfo t) throws SQLException {
        try (Statement s = c.createStatement()) {
            int n = s.executeUpdate(TriggerBuilder.logInsertSql(t, RowChange.INSERT, "t", false,
                    quote(t.name()) + " AS t"));
            if (n > 0) {
                log.info("table {} holds {} rows written before capture: captured them as inserts for the other nodes",
                        t.name(), n);
            }
            return n;
        }
    }
}
