package io.marmot.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The markers after a row of the log, looked up once per group within the reader's snapshot (one statement on the
 * same connection): the stamp is the first marker's reading, the group is the first {@link ChangeLog#GROUP_END}.
 * The looks scan forward from the row, so a reading costs one extra pass over the rows it reads.
 */
final class LogMarkers implements AutoCloseable {
    private final Connection c;
    private boolean wholeGroups;
    private PreparedStatement next;
    private long stampedUpTo;
    private long stamp;
    private long groupEnd;

    LogMarkers(Connection c) {
        this.c = c;
    }

    /** A new read (a new snapshot): nothing known. */
    void start(boolean wholeGroups) {
        this.wholeGroups = wholeGroups;
        stampedUpTo = -1;
        groupEnd = -1;
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
            next = c.prepareStatement("SELECT seq, hlc, op FROM " + ChangeLog.LOG + " WHERE seq >= ? AND op IN (?, ?)"
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
        if (next != null) {
            next.close();
        }
    }
}
