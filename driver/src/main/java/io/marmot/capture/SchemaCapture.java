package io.marmot.capture;

import io.marmot.schema.DdlStatement;
import io.marmot.schema.Identifiers;
import io.marmot.schema.SchemaJournal;
import io.marmot.schema.SchemaReader;
import io.marmot.schema.TableInfo;
import io.marmot.wire.RowChange;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture and the schema journal kept in step in one transaction: the schema changes since the last look are
 * recorded for the peers (after every change logged by earlier transactions, before this transaction's own), then
 * the triggers are brought in line with the schema.
 */
public final class SchemaCapture {
    private static final Logger log = LoggerFactory.getLogger(SchemaCapture.class);
    private SchemaCapture() {
    }

    /** After a schema change through the driver (capture followed it in the same transaction). */
    public static CaptureInstaller.Result follow(Connection c, long nodeId, Predicate<String> replicated)
            throws SQLException {
        return followOtherProcess(c, nodeId, replicated, Long.MAX_VALUE);
    }

    /**
     * After a schema change another process made: as {@link #follow}, and rows of widened tables logged after
     * {@code loggedAfter} without the new columns are logged again whole.
     */
    public static CaptureInstaller.Result followOtherProcess(Connection c, long nodeId, Predicate<String> replicated,
            long loggedAfter) throws SQLException {
        CaptureInstaller.Result r = CaptureInstaller.reconcile(c, nodeId, replicated);
        List<String> statements = SchemaJournal.record(c, replicated, barrier(c));
        for (String sql : statements) {
            DdlStatement st = DdlStatement.check(sql);
            if (st.kind() == DdlStatement.Kind.RENAME_TABLE) {
                io.marmot.clock.RowVersions.renameTable(c, st.name(), st.newName());
            }
            if (st.kind() == DdlStatement.Kind.ADD_COLUMN && loggedAfter != Long.MAX_VALUE) {
                relogNarrowRows(c, st.table(), loggedAfter);
            }
        }
        return r;
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
        if (t.usesRowid()) {
            match.append("l.rid = t.").append(t.rowidAlias());
        } else {
            for (String k : t.keyColumns()) {
                match.append(match.length() == 0 ? "" : " AND ").append("l.c").append(t.columnIndex(k))
                        .append(" IS t.").append(Identifiers.quote(k));
            }
        }
        String from = Identifiers.quote(t.name()) + " AS t, " + ChangeLog.STATE + " AS s WHERE EXISTS (SELECT 1 FROM "
                + ChangeLog.LOG + " l WHERE l.tbl = " + Identifiers.literal(t.name()) + " AND l.cols < " + t.columns().size()
                + " AND l.op <> " + RowChange.DELETE + " AND l.seq > " + loggedAfter + " AND " + match + ")";
        try (Statement s = c.createStatement()) {
            int n = s.executeUpdate(TriggerBuilder.logInsertSql(t, RowChange.INSERT, "t", false, from));
            if (n > 0) {
                log.info("table {} gained columns: {} row(s) written meanwhile without them logged again whole", table, n);
            }
            return n;
        }
    }

    /**
     * The last log position of the transactions before the open change group: what a schema change recorded now must
     * follow on the wire. The open group (this transaction, or other processes' writes not yet grouped) comes after.
     */
    public static long barrier(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG
                        + " WHERE tx < (SELECT tx FROM " + ChangeLog.STATE + ")")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
