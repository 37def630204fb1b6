package io.marmot.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The markers after a row of the log, looked up once per group within the reader's snapshot (one statement on the
 * same connection): the stamp is the first marker's reading, the group is the first {@link ChangeLog#GROUP_END}.
 * The looks scan forward from the row, so a reading costs one extra pass over the rows it reads. The markers found
 * are kept for the next read, which checks they are still there (a point lookup each): a large group read in slices
 * (the fold's catch-up) is scanned once, not once per slice, and a marker a rolled-back transaction wrote is not
 * trusted.
 */
final class LogMarkers implements AutoCloseable {
    private final Connection c;
    private boolean wholeGroups;
    private PreparedStatement next;
    private PreparedStatement at;
    /** The first marker after the rows read (-1: none known), its reading; the first group end after them. */
    private long stampedUpTo = -1;
    private long stamp;
    private long groupEnd = -1;

    LogMarkers(Connection c) {
        this.c = c;
    }

    /** A new read (a new snapshot): the markers found before are kept if they are still in the log as they were. */
    void start(boolean wholeGroups) throws SQLException {
        this.wholeGroups = wholeGroups;
        if (stampedUpTo >= 0 && !isMarker(stampedUpTo, stamp, -1)) {
            stampedUpTo = -1;
        }
        if (groupEnd >= 0 && !isMarker(groupEnd, Long.MIN_VALUE, ChangeLog.GROUP_END)) {
            groupEnd = -1;
        }
    }

    /** Whether the row at {@code seq} is a marker (of {@code op} unless -1) with this reading (any: MIN_VALUE). */
    private boolean isMarker(long seq, long reading, int op) throws SQLException {
        if (at == null) {
            at = c.prepareStatement("SELECT mask, op FROM " + ChangeLog.LOG + " WHERE seq = ?");
        }
        at.setLong(1, seq);
        try (ResultSet rs = at.executeQuery()) {
            if (!rs.next()) {
                return false;
            }
            int found = rs.getInt(2);
            return (op < 0 ? found == ChangeLog.GROUP_END || found == ChangeLog.STAMP : found == op)
                    && (reading == Long.MIN_VALUE || rs.getLong(1) == reading);
        }
    }

    /** Whether the row at {@code seq} is stamped (and, reading whole groups, its group ended). */
    boolean cover(long seq) throws SQLException {
        if (seq > stampedUpTo) {
            long[] m = next(seq, false);
            if (m == null) {
                return false;
            }
            stampedUpTo = m[0];
            stamp = m[1];
            if (m[2] == ChangeLog.GROUP_END) {
                groupEnd = m[0];
            }
        }
        if (wholeGroups && seq > groupEnd) {
            long[] m = next(seq, true);
            if (m == null) {
                return false;
            }
            groupEnd = m[0];
        }
        return true;
    }

    long stamp() {
        return stamp;
    }

    /** The group: negative, apart from the numbers of groups logged before markers. */
    long group() {
        return -(wholeGroups ? groupEnd : stampedUpTo);
    }

    /** The first marker at or after {@code seq} (only a group end when asked): seq, reading, op; null if none. */
    private long[] next(long seq, boolean groupEndOnly) throws SQLException {
        if (next == null) {
            next = c.prepareStatement("SELECT seq, mask, op FROM " + ChangeLog.LOG + " WHERE seq >= ? AND op IN (?, ?)"
                    + " ORDER BY seq LIMIT 1");
        }
        next.setLong(1, seq);
        next.setInt(2, ChangeLog.GROUP_END);
        next.setInt(3, groupEndOnly ? ChangeLog.GROUP_END : ChangeLog.STAMP);
        try (ResultSet rs = next.executeQuery()) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2), rs.getInt(3)} : null;
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            if (next != null) {
                next.close();
            }
        } finally {
            if (at != null) {
                at.close();
            }
        }
    }
}
