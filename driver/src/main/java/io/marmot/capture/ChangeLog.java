package io.marmot.capture;

import io.marmot.clock.RowVersions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The engine's tables inside the user's database, and the SQL the triggers share.
 *
 * <p>{@code __marmot_log} holds one row per captured row change, in commit order ({@code seq}: SQLite has one
 * writer at a time). {@code hlc} is the clock reading the trigger took: the wall clock in milliseconds shifted
 * left 16 bits, or just above the floor if that is higher. A change's <em>version</em> follows from the readings
 * by the rule of {@link io.marmot.clock.Hlc}, computed by readers ({@link LoggedChanges}) so the trigger stays one
 * cheap insert. Column {@code c<i>} holds the value of the table's i-th column; those columns have no declared type,
 * so every value keeps its exact storage class. {@code cols} is how many columns the trigger knew (a later ADD
 * COLUMN must not send NULLs). {@code mask} marks the columns an update changed (bit i: column i; NULL in logs of
 * earlier versions: all). {@code tx} groups changes: the driver closes a group on each commit, the
 * publisher closes the open group of writes made outside the driver while NATS is away.
 *
 * <p>{@code __marmot_state} is one row: the node id, the clock's floor ({@code hlc}: raised past every applied
 * remote version), the open group, how far the log was published and folded into {@code __marmot_versions}
 * (each a log position and the version there, so readers resume the version sequence), and the {@code applying} flag the
 * applier sets inside its own transactions so its writes are not captured again. Replication keeps its own tables
 * beside these (stream positions, parked messages).
 */
public final class ChangeLog {
    public static final String LOG = "__marmot_log";
    public static final String STATE = "__marmot_state";
    /** Value columns the log is created with; it widens (ALTER TABLE ADD COLUMN) for wider tables. */
    static final int INITIAL_WIDTH = 16;
    /** The bit of an update's {@code mask} that columns from this index on share. */
    public static final int MASK_SHARED_BIT = 62;

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
            StringBuilder log = new StringBuilder("CREATE TABLE IF NOT EXISTS " + LOG
                    + " (seq INTEGER PRIMARY KEY, hlc INTEGER NOT NULL, tx INTEGER NOT NULL, tbl TEXT NOT NULL,"
                    + " op INTEGER NOT NULL, cols INTEGER NOT NULL, rid, mask INTEGER");
            for (int i = 0; i < INITIAL_WIDTH; i++) {
                log.append(", c").append(i);
            }
            s.execute(log.append(")").toString());
            if (!first && !hasColumn(c, LOG, "mask")) {
                s.execute("ALTER TABLE " + LOG + " ADD COLUMN mask INTEGER"); // logs of whole-row updates
            }
            RowVersions.create(c);
            s.execute("INSERT OR IGNORE INTO " + STATE + " (id, node_id) VALUES (1, " + nodeId + ")");
        }
        return first;
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
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

    /** Closes the open change group so the next write starts a new one (inside the caller's transaction). */
    public static final String CLOSE_GROUP = "UPDATE " + STATE + " SET tx = tx + 1";
}
