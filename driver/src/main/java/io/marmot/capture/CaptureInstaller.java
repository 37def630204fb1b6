package io.marmot.capture;

import static io.marmot.capture.Identifiers.literal;
import static io.marmot.capture.Identifiers.quote;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
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
     * @param replicated which tables to capture (the config's tables / exclude-tables)
     */
    public static Result reconcile(Connection c, long nodeId, Predicate<String> replicated) throws SQLException {
        boolean first = ChangeLog.create(c, nodeId);
        Map<String, String> installed = installedTriggers(c);
        Set<String> wanted = new HashSet<>();
        List<TableInfo> tables = new ArrayList<>();
        int width = 0;
        for (String name : SchemaReader.userTables(c)) {
            if (replicated.test(name)) {
                TableInfo t = SchemaReader.table(c, name);
                tables.add(t);
                width = Math.max(width, t.columns().size());
            }
        }
        if (width > ChangeLog.width(c)) {
            ChangeLog.widen(c, width);
        }
        List<String> changedTables = new ArrayList<>();
        long captured = 0;
        try (Statement s = c.createStatement()) {
            for (TableInfo t : tables) {
                Map<String, String> triggers = TriggerBuilder.triggers(t);
                wanted.addAll(triggers.keySet());
                boolean neverCaptured = triggers.keySet().stream().noneMatch(installed::containsKey);
                if (neverCaptured && !first) {
                    // Created by another process (or newly included): its rows are news to the other nodes.
                    captured += captureExistingRows(c, t);
                }
                boolean changed = false;
                for (Map.Entry<String, String> e : triggers.entrySet()) {
                    String current = installed.get(e.getKey());
                    if (!e.getValue().equals(current)) {
                        if (current != null) {
                            s.execute("DROP TRIGGER " + quote(e.getKey()));
                        }
                        s.execute(e.getValue());
                        changed = true;
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
        }
        if (!changedTables.isEmpty()) {
            log.debug("capture installed on {}", changedTables);
        }
        return new Result(first, changedTables, captured);
    }

    /** Drops the triggers on one table, so that an ALTER TABLE they reference can run. */
    public static void dropTriggers(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String event : List.of("insert", "update", "delete")) {
                s.execute("DROP TRIGGER IF EXISTS " + quote(Identifiers.INTERNAL_PREFIX + event + "_" + table));
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

    private static Map<String, String> installedTriggers(Connection c) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")) {
            while (rs.next()) {
                if (Identifiers.isInternal(rs.getString(1))) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private static long captureExistingRows(Connection c, TableInfo t) throws SQLException {
        long base;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + ChangeLog.NEXT_HLC + " - 1 FROM " + ChangeLog.STATE + " s")) {
            rs.next();
            base = rs.getLong(1);
        }
        StringBuilder cols = new StringBuilder("hlc, tx, tbl, op, cols, rid");
        StringBuilder vals = new StringBuilder(base + " + row_number() OVER (), s.tx, " + literal(t.name()) + ", "
                + ChangeLog.OP_INSERT + ", " + t.columns().size() + ", " + (t.usesRowid() ? "t." + t.rowidAlias() : "NULL"));
        for (int i = 0; i < t.columns().size(); i++) {
            cols.append(", c").append(i);
            vals.append(", t.").append(quote(t.columns().get(i).name()));
        }
        try (Statement s = c.createStatement()) {
            int n = s.executeUpdate("INSERT INTO " + ChangeLog.LOG + " (" + cols + ") SELECT " + vals + " FROM "
                    + quote(t.name()) + " AS t, " + ChangeLog.STATE + " AS s");
            if (n > 0) {
                log.info("table {} appeared with {} rows: captured them as inserts", t.name(), n);
            }
            return n;
        }
    }
}
