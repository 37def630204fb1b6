package io.marmot.capture;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The change log's table, and the upgrade of a log made before markers ({@link ChangeLog#GROUP_END}): there every
 * row carried its clock reading and group ({@code hlc}, {@code tx} NOT NULL), which the triggers no longer write.
 */
final class LogLayout {
    private LogLayout() {
    }

    /** The log's CREATE statement; no NOT NULL (each is a step per logged row) and nothing the triggers leave out. */
    static String createLog(int width) {
        StringBuilder log = new StringBuilder("CREATE TABLE IF NOT EXISTS " + ChangeLog.LOG
                + " (seq INTEGER PRIMARY KEY, hlc INTEGER, tx INTEGER, tbl TEXT, op INTEGER, cols INTEGER, rid,"
                + " mask INTEGER");
        for (int i = 0; i < width; i++) {
            log.append(", c").append(i);
        }
        return log.append(")").toString();
    }

    /** Whether the log exists in the layout before markers. */
    static boolean isBeforeMarkers(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT \"notnull\" FROM pragma_table_info('" + ChangeLog.LOG + "') WHERE name = 'hlc'")) {
            return rs.next() && rs.getInt(1) == 1;
        }
    }

    /**
     * Copies the log into the new layout, rows unchanged (read by the old rule: their own reading and group), and ends
     * their group with a marker: rows logged from now on form groups of their own. Inside the caller's transaction.
     * The old table is renamed without SQLite rewriting the triggers that name it ({@code legacy_alter_table}), so
     * they write into the new one until capture re-creates them, in the same transaction.
     */
    static void upgrade(Connection c) throws SQLException {
        if (!ChangeLog.hasColumn(c, ChangeLog.LOG, "mask")) {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + ChangeLog.LOG + " ADD COLUMN mask INTEGER"); // logs of whole-row updates
            }
        }
        List<String> columns = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT name FROM pragma_table_info('" + ChangeLog.LOG + "') ORDER BY cid")) {
            while (rs.next()) {
                columns.add(rs.getString(1));
            }
        }
        int width = (int) columns.stream().filter(n -> n.matches("c\\d+")).count();
        String old = ChangeLog.LOG + "_before_markers";
        try (Statement s = c.createStatement()) {
            boolean legacy;
            try (ResultSet rs = s.executeQuery("PRAGMA legacy_alter_table")) {
                legacy = rs.next() && rs.getInt(1) == 1;
            }
            s.execute("PRAGMA legacy_alter_table = ON");
            try {
                s.execute("ALTER TABLE " + ChangeLog.LOG + " RENAME TO " + old);
            } finally {
                s.execute("PRAGMA legacy_alter_table = " + (legacy ? "ON" : "OFF"));
            }
            s.execute(createLog(width));
            String list = String.join(", ", columns);
            s.execute("INSERT INTO " + ChangeLog.LOG + " (" + list + ") SELECT " + list + " FROM " + old);
            s.execute("DROP TABLE " + old);
        }
        ChangeLog.closeGroup(c);
    }
}
