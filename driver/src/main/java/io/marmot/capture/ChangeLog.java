package io.marmot.capture;

import io.marmot.clock.RowVersions;
import io.marmot.sqlite.Sqlite;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The engine's tables inside the user's database, and the SQL the triggers share.
 *
 * <p>{@code __marmot_log} holds one row per captured row change, in commit order ({@code seq}: SQLite has one
 * writer at a time), and <em>markers</em>. A trigger only copies the row, and the log has no column a row change
 * leaves empty but {@code mask} (each value a trigger writes, NULL or not, is a VM step of every captured row). A
 * {@link #GROUP_END} marker, inserted where a change group (transaction) ends, carries in {@code mask} the clock
 * reading the rows before it take as their stamp: the wall clock in milliseconds (minus the skew correction) shifted
 * left 16 bits, or just above the floor if that is higher. A {@link #STAMP} marker gives the rows before it a reading
 * without ending their group (a fold inside a transaction that goes on). A change's <em>version</em> follows from the
 * stamps by the rule of {@link io.marmot.clock.Hlc}, computed by readers ({@link LoggedChanges}). Rows after the last
 * marker are an open group (the {@code sqlite3} shell, other processes, auto-commit statements): readers stop before
 * it until the engine closes it. Rows logged before markers carry their own reading and group (see {@link #LEGACY}),
 * and are read by the same rule. Column {@code c<i>} holds the value of the table's i-th column; those columns have
 * no declared type, so every value keeps its exact storage class; a table keyed by its rowid logs it after them.
 * {@code op} is the operation, the column count and an update's NOT NULL columns in one constant (see
 * {@link #OP_KIND}). {@code mask} marks the nullable columns an update changed (bit i: column i; NULL in logs of
 * earlier versions: all).
 *
 * <p>{@code __marmot_state} is one row: the node id, the clock's floor ({@code hlc}: raised past every applied
 * remote version), how far the log was published and folded into {@code __marmot_versions} (each a log position and
 * the version there, so readers resume the version sequence), and the clock's skew correction. Its {@code tx} and
 * {@code applying} columns are left from earlier versions, unused. Replication keeps its own tables beside these
 * (stream positions, parked messages).
 */
public final class ChangeLog {
    public static final String LOG = "__marmot_log";
    public static final String STATE = "__marmot_state";
    /**
     * Value columns the log is created with; it widens (ALTER TABLE ADD COLUMN) for wider tables. None: every column
     * a trigger leaves out costs each logged row a step (16 spare ones were 12 of an insert's 50 steps).
     */
    static final int INITIAL_WIDTH = 0;
    /** The bit of an update's {@code mask} that columns from this index on share. */
    public static final int MASK_SHARED_BIT = 62;
    /**
     * {@code op} holds the operation in its low bits ({@code op & OP_KIND}: {@link io.marmot.wire.RowChange#INSERT},
     * UPDATE, DELETE, {@link #LEGACY} added for rows logged before markers; {@link #GROUP_END}, {@link #STAMP}), then
     * from {@link #COUNT_SHIFT} the number of columns the trigger knew (a later ADD COLUMN must not send NULLs), then
     * from {@link #SPARSE_SHIFT}, for an update, the columns logged as NULL when unchanged (bit i: column i; see
     * {@link TriggerBuilder#logUpdateSql}). One constant: each value a trigger writes is a VM step per row.
     */
    public static final int OP_KIND = 15;
    public static final int COUNT_SHIFT = 4;
    /** The column count: {@code op >> COUNT_SHIFT & COUNT_BITS} (SQLite allows at most 32767 columns). */
    public static final long COUNT_BITS = 32767;
    public static final int SPARSE_SHIFT = 19;
    /** Columns from this index on are never logged as NULL when unchanged (the set stays within a positive long). */
    public static final int SPARSE_LIMIT = 63 - SPARSE_SHIFT;

    /**
     * Added to the {@code op} of a row logged before markers: its reading and group are in the value columns after
     * its own (and its rowid's) ones, see {@link LogLayout}.
     */
    public static final int LEGACY = 4;
    /** {@code op} of a marker ending a change group, its {@code hlc} the stamp of the rows before it. */
    public static final int GROUP_END = 8;
    /** {@code op} of a marker stamping the rows before it, their group going on. */
    public static final int STAMP = 9;

    private ChangeLog() {
    }

    /** Creates the internal tables if missing; true when this database had none (first install). */
    static boolean create(Connection c, long nodeId) throws SQLException {
        boolean first;
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + STATE + "'")) {
                first = !rs.next();
            }
            s.execute("CREATE TABLE IF NOT EXISTS " + STATE + " (id INTEGER PRIMARY KEY CHECK (id = 1),"
                    + " node_id INTEGER NOT NULL, hlc INTEGER NOT NULL DEFAULT 0, tx INTEGER NOT NULL DEFAULT 1,"
                    + " applying INTEGER NOT NULL DEFAULT 0,"
                    + " published_seq INTEGER NOT NULL DEFAULT 0, published_version INTEGER NOT NULL DEFAULT 0,"
                    + " folded_seq INTEGER NOT NULL DEFAULT 0, folded_version INTEGER NOT NULL DEFAULT 0,"
                    + " skew INTEGER NOT NULL DEFAULT 0)");
            if (!first && !hasColumn(c, STATE, "skew")) {
                s.execute("ALTER TABLE " + STATE + " ADD COLUMN skew INTEGER NOT NULL DEFAULT 0"); // older databases
            }
            if (!first && LogLayout.isEarlier(c)) {
                LogLayout.upgrade(c);
            } else {
                s.execute(LogLayout.createLog(INITIAL_WIDTH));
            }
            RowVersions.create(c);
            s.execute("INSERT OR IGNORE INTO " + STATE + " (id, node_id) VALUES (1, " + nodeId + ")");
        }
        return first;
    }

    static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pragma_table_info('" + table + "') WHERE name = '" + column + "'")) {
            return rs.next();
        }
    }

    /**
     * Sets the correction the triggers subtract from the wall clock (milliseconds the local clock runs ahead of the
     * shared reference beyond what is allowed; 0 when within bounds). In its own short transaction.
     */
    public static void setClockCorrection(Connection c, long millis) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE " + STATE + " SET skew = ? WHERE skew <> ?")) {
            ps.setLong(1, millis);
            ps.setLong(2, millis);
            ps.executeUpdate();
        }
    }

    /** Value columns the log has now. */
    static int width(Connection c) throws SQLException {
        int width = 0;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_info('" + LOG + "')")) {
            while (rs.next()) {
                if (rs.getString(1).matches("c\\d+")) {
                    width++;
                }
            }
        }
        return width;
    }

    static void widen(Connection c, int to) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (int i = width(c); i < to; i++) {
                s.execute("ALTER TABLE " + LOG + " ADD COLUMN c" + i);
            }
        }
    }

    /** The node id kept in the database. */
    public static long storedNodeId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT node_id FROM " + STATE)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Ends the open change group, if rows were logged since the last group ended: a {@link #GROUP_END} marker with
     * the clock reading (parameter 1: the wall clock in milliseconds; the skew correction and the floor come from the
     * state row). Inside the caller's write transaction.
     */
    public static final String CLOSE_GROUP = marker(GROUP_END,
            "(SELECT op FROM " + LOG + " ORDER BY seq DESC LIMIT 1) <> " + GROUP_END);

    /** Stamps the rows logged since the last marker, if any, their group going on (parameter 1: as above). */
    static final String STAMP_ROWS = marker(STAMP, "(SELECT op NOT IN (" + GROUP_END + ", " + STAMP + ") FROM " + LOG
            + " ORDER BY seq DESC LIMIT 1)");

    private static String marker(int op, String when) {
        return "INSERT INTO " + LOG + " (mask, op) SELECT " + io.marmot.clock.Hlc.markerReading("s", "?") + ", " + op
                + " FROM " + STATE + " s WHERE " + when;
    }

    /** Ends the open change group (see {@link #CLOSE_GROUP}) with this JVM's clock; true when there was one. */
    public static boolean closeGroup(Connection c) throws SQLException {
        return mark(c, CLOSE_GROUP, System.currentTimeMillis());
    }

    /** As {@link #closeGroup(Connection)}, with {@link #CLOSE_GROUP} prepared by the caller, who keeps it. */
    public static boolean closeGroup(java.sql.PreparedStatement closeGroup) throws SQLException {
        closeGroup.setLong(1, System.currentTimeMillis());
        return closeGroup.executeUpdate() > 0;
    }

    /**
     * Ends a group no engine stamped while its rows were written (the node was killed, or stopped while another
     * process wrote) with {@code writtenByMillis}, when the file was last written, rather than the clock now: a peer's
     * write made after them stays newer. Inside the caller's write transaction; nothing to do before the log exists,
     * nor in a log of an earlier layout (upgraded later in the start: such a group is stamped as before, once, at the
     * publisher's first cycle). True when there was a group.
     */
    public static boolean closeGroupWrittenBy(Connection c, long writtenByMillis) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + LOG + "'")) {
            if (!rs.next()) {
                return false;
            }
        }
        return !LogLayout.isEarlier(c) && mark(c, CLOSE_GROUP, Math.min(writtenByMillis, System.currentTimeMillis()));
    }

    /**
     * Ends the open change group, if rows were logged since the last group ended, in a short write transaction of its
     * own, taken only when there is a group to end. True when it did.
     */
    public static boolean closeOpenGroup(Connection c) throws SQLException {
        try (java.sql.PreparedStatement newest = c.prepareStatement(NEWEST_OP);
                java.sql.PreparedStatement close = c.prepareStatement(CLOSE_GROUP)) {
            return closeOpenGroup(c, newest, close);
        }
    }

    /** The newest row's op: a group is open unless it is a group end. */
    static final String NEWEST_OP = "SELECT op FROM " + LOG + " ORDER BY seq DESC LIMIT 1";

    /**
     * As {@link #closeOpenGroup(Connection)}, with {@link #NEWEST_OP} and {@link #CLOSE_GROUP} prepared by the caller,
     * who keeps them: the publisher runs this every cycle.
     */
    static boolean closeOpenGroup(Connection c, java.sql.PreparedStatement newestOp, java.sql.PreparedStatement closeGroup)
            throws SQLException {
        try (ResultSet rs = newestOp.executeQuery()) {
            if (!rs.next() || rs.getInt(1) == GROUP_END) {
                return false;
            }
        }
        return Sqlite.inWriteTransaction(c, tx -> closeGroup(closeGroup));
    }

    /** Stamps the rows not stamped yet (see {@link #STAMP_ROWS}); true when there were some. */
    static boolean stampRows(Connection c) throws SQLException {
        return mark(c, STAMP_ROWS, System.currentTimeMillis());
    }

    private static boolean mark(Connection c, String sql, long millis) throws SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, millis);
            return ps.executeUpdate() > 0;
        }
    }
}
