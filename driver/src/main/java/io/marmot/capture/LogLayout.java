package io.marmot.capture;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The change log's table, and the upgrade of logs of earlier layouts, which had the columns {@code hlc}, {@code tx},
 * {@code cols} and {@code rid}: each is a VM step of every captured row (a trigger's INSERT sets every column of the log, NULL
 * or not), so a marker's reading now goes into {@code mask}, the column count into {@code op} (see
 * {@link ChangeLog#OP_KIND}), a rowid into the value column after the row's columns,
 * and the rows logged before markers ({@code hlc}, {@code tx} NOT NULL: each row its own reading and group) keep
 * theirs in the two value columns after that, flagged by {@link ChangeLog#LEGACY} in {@code op}.
 */
final class LogLayout {
    private LogLayout() {
    }

    /** The log's CREATE statement; no NOT NULL (each is a step per logged row) and nothing the triggers leave out. */
    static String createLog(int width) {
        StringBuilder log = new StringBuilder("CREATE TABLE IF NOT EXISTS " + ChangeLog.LOG
                + " (seq INTEGER PRIMARY KEY, tbl TEXT, op INTEGER, mask INTEGER");
        for (int i = 0; i < width; i++) {
            log.append(", c").append(i);
        }
        return log.append(")").toString();
    }

    /** Whether the log exists in an earlier layout (it has the column {@code hlc}). */
    static boolean isEarlier(Connection c) throws SQLException {
        return ChangeLog.hasColumn(c, ChangeLog.LOG, "hlc");
    }

    /** Upgrades the log if it is in an earlier layout; inside the caller's write transaction. */
    static void upgradeIfEarlier(Connection c) throws SQLException {
        if (isEarlier(c)) {
            upgrade(c);
        }
    }

    /**
     * Copies the log into the current layout, every row keeping its position, reading and group, and, for a log made
     * before markers, ends the group of its rows with a marker: rows logged from now on form groups of their own.
     * Inside the caller's transaction. The old table is renamed without SQLite rewriting the triggers that name it
     * ({@code legacy_alter_table}), so they write into the new one until capture re-creates them, in the same
     * transaction (the installer re-creates triggers whose SQL differs).
     */
    static void upgrade(Connection c) throws SQLException {
        boolean beforeMarkers;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT \"notnull\" FROM pragma_table_info('" + ChangeLog.LOG + "') WHERE name = 'hlc'")) {
            beforeMarkers = rs.next() && rs.getInt(1) == 1;
        }
        boolean hasMask = ChangeLog.hasColumn(c, ChangeLog.LOG, "mask"); // logs of whole-row updates have none
        int oldWidth = ChangeLog.width(c);
        String n = "(o.cols & 65535)"; // the count (an update's cols of a development version held more above it)
        String legacy = "(o.op < " + ChangeLog.GROUP_END + " AND o.hlc IS NOT NULL)";
        int width = oldWidth;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(" + n + " + CASE WHEN "
                + legacy + " THEN 3 WHEN o.rid IS NOT NULL THEN 1 ELSE 0 END), 0) FROM " + ChangeLog.LOG + " o")) {
            if (rs.next()) {
                width = Math.max(width, rs.getInt(1));
            }
        }
        List<String> values = new ArrayList<>();
        values.add("o.seq");
        values.add("o.tbl");
        values.add("CASE WHEN o.op >= " + ChangeLog.GROUP_END + " THEN o.op ELSE o.op | (CASE WHEN " + legacy + " THEN "
                + ChangeLog.LEGACY + " ELSE 0 END) | (" + n + " << " + ChangeLog.COUNT_SHIFT + ") | ((o.cols >> 16) << "
                + ChangeLog.SPARSE_SHIFT + ") END");
        values.add("CASE WHEN o.op >= " + ChangeLog.GROUP_END + " THEN o.hlc ELSE " + (hasMask ? "o.mask" : "NULL") + " END");
        for (int j = 0; j < width; j++) {
            values.add("CASE WHEN o.op >= " + ChangeLog.GROUP_END + " THEN NULL"
                    + (j < oldWidth ? " WHEN " + j + " < " + n + " THEN o.c" + j : "")
                    + " WHEN " + j + " = " + n + " THEN o.rid WHEN NOT " + legacy + " THEN NULL WHEN " + j + " = " + n
                    + " + 1 THEN o.hlc WHEN " + j + " = " + n + " + 2 THEN o.tx END");
        }
        String old = ChangeLog.LOG + "_earlier";
        try (Statement s = c.createStatement()) {
            boolean legacyAlter;
            try (ResultSet rs = s.executeQuery("PRAGMA legacy_alter_table")) {
                legacyAlter = rs.next() && rs.getInt(1) == 1;
            }
            s.execute("PRAGMA legacy_alter_table = ON");
            try {
                s.execute("ALTER TABLE " + ChangeLog.LOG + " RENAME TO " + old);
            } finally {
                s.execute("PRAGMA legacy_alter_table = " + (legacyAlter ? "ON" : "OFF"));
            }
            s.execute(createLog(width));
            StringBuilder columns = new StringBuilder("seq, tbl, op, mask");
            for (int j = 0; j < width; j++) {
                columns.append(", c").append(j);
            }
            s.execute("INSERT INTO " + ChangeLog.LOG + " (" + columns + ") SELECT " + String.join(", ", values)
                    + " FROM " + old + " o ORDER BY o.seq");
            s.execute("DROP TABLE " + old);
        }
        if (beforeMarkers) {
            ChangeLog.closeGroup(c);
        }
    }
}
