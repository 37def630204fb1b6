package io.marmot.replication;

import io.marmot.capture.ChangeLog;
import io.marmot.capture.LogPosition;
import io.marmot.capture.LoggedChanges;
import io.marmot.engine.Sqlite;
import io.marmot.wire.WireFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The version each row holds, for last-writer-wins. Local changes reach {@code __marmot_versions} by
 * "folding" the change log into it inside the applier's (or pruner's) write transaction, which keeps the
 * application's own writes down to one log insert per row. Local versions always win over what was applied
 * before them, because the clock's floor is raised past every applied version.
 */
final class VersionStore implements AutoCloseable {
    private final Connection c;
    private final long localNode;
    private static final int SLICE = 5000;
    private final PreparedStatement advance;

    VersionStore(Connection c, long localNode) throws SQLException {
        this.c = c;
        this.localNode = localNode;
        this.advance = c.prepareStatement("INSERT INTO " + ChangeLog.VERSIONS + " (tbl, pk, hlc, node) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (tbl, pk) DO UPDATE SET hlc = excluded.hlc, node = excluded.node"
                + " WHERE excluded.hlc > hlc OR (excluded.hlc = hlc AND excluded.node > node)");
    }

    /**
     * Raises the row's version to (hlc, node) if that is newer than the version it holds; true when it did,
     * i.e. when the change carrying that version must be applied. One statement: look-up and record together.
     */
    boolean advance(String table, byte[] key, long hlc, long node) throws SQLException {
        advance.setString(1, table);
        advance.setBytes(2, key);
        advance.setLong(3, hlc);
        advance.setLong(4, node);
        return advance.executeUpdate() > 0;
    }

    /** Brings versions up to date with every local change; call inside a write transaction. Returns how far. */
    LogPosition fold(LoggedChanges changes) throws SQLException {
        return fold(changes, Integer.MAX_VALUE);
    }

    /**
     * Folds local changes in transactions of at most {@value #SLICE} rows, until only a few remain: a backlog
     * (a bulk load, a long outage) is absorbed without holding the write lock long enough to make the
     * application's writers time out. The caller folds the remainder inside its own transaction.
     */
    void catchUp(LoggedChanges changes) throws SQLException {
        int folded;
        do {
            folded = Sqlite.inWriteTransaction(c, tx -> {
                int[] n = {0};
                foldRows(changes, SLICE, n);
                return n[0];
            });
        } while (folded >= SLICE);
    }

    private LogPosition fold(LoggedChanges changes, int limit) throws SQLException {
        return foldRows(changes, limit, new int[1]);
    }

    private LogPosition foldRows(LoggedChanges changes, int limit, int[] count) throws SQLException {
        LogPosition folded;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT folded_seq, folded_version FROM " + ChangeLog.STATE)) {
            rs.next();
            folded = new LogPosition(rs.getLong(1), rs.getLong(2));
        }
        LogPosition last = changes.readKeys(c, folded, (seq, version, group, change) -> {
            if (count[0] >= limit) {
                return false;
            }
            advance(change.table().name(), WireFormat.key(change.key()), version, localNode);
            count[0]++;
            return true;
        });
        if (!last.equals(folded)) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + ChangeLog.STATE
                    + " SET folded_seq = ?, folded_version = ?")) {
                ps.setLong(1, last.seq());
                ps.setLong(2, last.version());
                ps.executeUpdate();
            }
        }
        return last;
    }

    @Override
    public void close() throws SQLException {
        advance.close();
    }
}
