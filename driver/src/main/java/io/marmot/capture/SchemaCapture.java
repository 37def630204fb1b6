package io.marmot.capture;

import io.marmot.clock.VersionWriters;
import io.marmot.clock.RowVersions;
import io.marmot.schema.DdlStatement;
import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaJournal;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture and the schema journal kept in step in one transaction: the triggers are brought in line with the schema,
 * and the schema changes since the last look are recorded for the peers, after every change logged so far.
 */
public final class SchemaCapture {
    private static final Logger log = LoggerFactory.getLogger(SchemaCapture.class);
    private SchemaCapture() {
    }

    /**
     * After a schema change through the driver (capture followed it in the same transaction).
     *
     * @param writers what the engine's writers of row versions share: its collector hears of the versions folded here
     */
    public static CaptureInstaller.Result follow(Connection c, long nodeId, CaptureOptions options,
            VersionWriters writers) throws SQLException {
        return followOtherProcess(c, nodeId, options, Long.MAX_VALUE, writers);
    }

    /**
     * After a schema change another process made: as {@link #follow}, and rows of widened tables logged after
     * {@code loggedAfter} without the new columns are logged again whole.
     *
     * <p>Every row logged so far goes before the recorded schema changes, described by the shape its table had
     * ({@link io.marmot.schema.PastShapes}): a row written just before a rename or a drop, in this transaction or by
     * another process, reaches the peers under the name and with the columns it was written with. The row versions
     * are brought up to date first, so that a rename moves them all.
     */
    public static CaptureInstaller.Result followOtherProcess(Connection c, long nodeId, CaptureOptions options,
            long loggedAfter, VersionWriters writers) throws SQLException {
        boolean logExists = tableExists(c, ChangeLog.LOG);
        if (logExists && tableExists(c, ChangeLog.STATE)) {
            LogLayout.upgradeIfEarlier(c); // before anything reads it: a log of an earlier version, at start
        }
        foldLocalChanges(c, nodeId, writers);
        long logged = logExists ? lastLogged(c) : 0;
        long groupStart = logExists ? groupStart(c) : 0;
        CaptureInstaller.Result r = CaptureInstaller.reconcile(c, nodeId, options);
        SchemaJournal.Recorded recorded = SchemaJournal.record(c, options.replicated(), groupStart, logged,
                table -> loggedSince(c, table, groupStart));
        if (recorded.splitsGroup()) {
            // The change group ends here: what this transaction (or the writer outside the driver) logs from now on
            // is a group of its own, sent after the schema change; what it logged before goes before it.
            ChangeLog.closeGroup(c);
        }
        for (String sql : recorded.statements()) {
            DdlStatement st = DdlStatement.check(sql);
            if (st.kind() == DdlStatement.Kind.RENAME_TABLE) {
                RowVersions.renameTable(c, st.name(), st.newName());
            }
            if (st.kind() == DdlStatement.Kind.ADD_COLUMN && loggedAfter != Long.MAX_VALUE) {
                relogNarrowRows(c, st.table(), loggedAfter);
            }
        }
        return r;
    }

    /**
     * A peer renamed a table and the rename was applied here: the rows this node logged under the old name and has
     * not sent yet (its own writes, concurrent with the rename) follow the table, as its row versions do.
     */
    public static int followRename(Connection c, String from, String to) throws SQLException {
        RowVersions.renameTable(c, from, to);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE " + ChangeLog.LOG + " SET tbl = ? WHERE tbl = ? COLLATE NOCASE")) {
            ps.setString(1, to);
            ps.setString(2, from);
            return ps.executeUpdate();
        }
    }

    /**
     * Folds the local changes not yet folded into the row versions (inside the caller's write transaction). Rows not
     * stamped yet are stamped first, their group left open: it may be the caller's own transaction, which stays one
     * group.
     */
    public static void foldLocalChanges(Connection c, long nodeId, VersionWriters writers) throws SQLException {
        fold(c, nodeId, writers, fold -> {
            ChangeLog.stampRows(c);
            fold.fold();
        });
    }

    /**
     * Folds a backlog of local changes in short transactions of its own (outside any transaction), so that a
     * schema change's transaction, which folds the rest, holds the write lock briefly: the schema watcher folded a
     * 300,000-row commit inside one, and another process's writer waited 3 s.
     */
    public static void foldBacklog(Connection c, long nodeId, VersionWriters writers) throws SQLException {
        fold(c, nodeId, writers, VersionFold::catchUp);
    }

    private interface FoldStep {
        void run(VersionFold fold) throws SQLException;
    }

    private static void fold(Connection c, long nodeId, VersionWriters writers, FoldStep step) throws SQLException {
        if (!tableExists(c, ChangeLog.STATE) || !tableExists(c, RowVersions.TABLE)) {
            return; // first install: nothing logged yet
        }
        try (RowVersions versions = new RowVersions(c, writers);
                VersionFold fold = new VersionFold(c, nodeId, versions)) {
            step.run(fold);
        }
    }

    /**
     * The last log position of the transactions before the open change group: its last group end (read backwards from
     * the log's end; a log made before markers got one when it was upgraded); when the log holds none
     * (pruned), the position before its first row.
     */
    private static long groupStart(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce((SELECT seq FROM " + ChangeLog.LOG + " WHERE op = "
                        + ChangeLog.GROUP_END + " ORDER BY seq DESC LIMIT 1), (SELECT min(seq) - 1 FROM " + ChangeLog.LOG
                        + "), 0)")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static boolean loggedSince(Connection c, String table, long after) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM " + ChangeLog.LOG + " WHERE seq > ? AND tbl = ? COLLATE NOCASE)")) {
            ps.setLong(1, after);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean tableExists(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'")) {
            return rs.next();
        }
    }

    /** The last position of the log (0 when empty). */
    public static long lastLogged(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Rows of a widened table that the old triggers logged without the new columns (another process wrote them
     * right after its ALTER TABLE … ADD COLUMN, before capture followed) are logged again whole, as they are now,
     * after the schema change: peers receive the new columns' values too.
     */
    static int relogNarrowRows(Connection c, String table, long loggedAfter) throws SQLException {
        TableInfo t = SchemaReader.table(c, table);
        if (t == null) {
            return 0;
        }
        StringBuilder match = new StringBuilder();
        if (t.usesRowid()) { // the rowid follows the values the row was logged with
            match.append("CASE l.op >> ").append(ChangeLog.COUNT_SHIFT).append(" & ").append(ChangeLog.COUNT_BITS);
            for (int i = 0; i < t.columns().size(); i++) {
                match.append(" WHEN ").append(i).append(" THEN l.c").append(i);
            }
            match.append(" END = t.").append(t.rowidAlias());
        } else {
            for (String k : t.keyColumns()) {
                match.append(match.length() == 0 ? "" : " AND ").append("l.c").append(t.columnIndex(k))
                        .append(" IS t.").append(Identifiers.quote(k));
            }
        }
        String from = Identifiers.quote(t.name()) + " AS t WHERE EXISTS (SELECT 1 FROM "
                + ChangeLog.LOG + " l WHERE l.tbl = " + Identifiers.literal(t.name()) + " AND (l.op >> " + ChangeLog.COUNT_SHIFT + " & " + ChangeLog.COUNT_BITS + ") < " + t.columns().size()
                + " AND l.op & 3 <> " + RowChange.DELETE + " AND l.seq > " + loggedAfter + " AND " + match + ")";
        try (Statement s = c.createStatement()) {
            int n = s.executeUpdate(TriggerBuilder.logInsertSql(t, RowChange.INSERT, "t", false, from));
            if (n > 0) {
                log.info("table {} gained columns: {} row(s) written meanwhile without them logged again whole", table, n);
            }
            return n;
        }
    }
}
