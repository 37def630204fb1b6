package io.marmot.capture;

import io.marmot.clock.RowKey;
import io.marmot.clock.RowMerge;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.wire.RowChange;
import java.util.ArrayList;
import java.util.List;
import io.marmot.sqlite.Sqlite;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Brings the row versions up to date with local changes. The triggers only append to the log (one insert per
 * row keeps the application's writes cheap); "folding" the log into {@code __marmot_versions} happens inside the
 * applier's (or the log upkeep's) write transaction. Local versions always win over what was applied before
 * them, because the clock's floor is raised past every applied version.
 */
public final class VersionFold implements AutoCloseable {
    private static final int SLICE = 5000;

    private final Connection c;
    private final long localNode;
    private final RowVersions versions;
    private final LoggedChanges changes = new LoggedChanges();

    public VersionFold(Connection c, long localNode, RowVersions versions) {
        this.c = c;
        this.localNode = localNode;
        this.versions = versions;
    }

    /** Folds every local change; call inside a write transaction. Returns how far the log is folded. */
    public LogPosition fold() throws SQLException {
        return foldRows(Integer.MAX_VALUE, new int[1]);
    }

    /**
     * Folds local changes in transactions of at most {@value #SLICE} rows, until only a few remain: a backlog
     * (a bulk load, a long outage) is absorbed without holding the write lock long enough to make the
     * application's writers time out. The caller folds the remainder inside its own transaction.
     */
    public void catchUp() throws SQLException {
        // The engine's threads (publisher, applier, schema watcher) may all meet the same backlog; folding it in turns
        // they would fill each other's pauses and keep the lock taken. The others wait here and find it folded.
        synchronized (versions.shared().catchUpTurn()) {
            catchUpAlone();
        }
    }

    private void catchUpAlone() throws SQLException {
        int folded;
        do {
            long start = System.nanoTime();
            folded = Sqlite.inWriteTransaction(c, tx -> {
                int[] n = {0};
                foldRows(SLICE, n);
                return n[0];
            });
            if (folded >= SLICE) {
                Sqlite.pauseAfterSlice(start);
            }
        } while (folded >= SLICE);
    }

    private LogPosition foldRows(int limit, int[] count) throws SQLException {
        LogPosition folded;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT folded_seq, folded_version FROM " + ChangeLog.STATE)) {
            rs.next();
            folded = new LogPosition(rs.getLong(1), rs.getLong(2));
        }
        LogPosition last = changes.readKeys(c, folded, (seq, version, tx, change) -> {
            if (count[0] >= limit) {
                return false;
            }
            record(change, new Stamp(version, localNode));
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

    private void record(RowChange change, Stamp stamp) throws SQLException {
        String table = change.table().name();
        byte[] key = RowKey.of(change.key());
        if (!change.isUpdate()) {
            versions.recordLocal(table, key, stamp, change.isDelete());
            return;
        }
        List<String> columns = new ArrayList<>();
        for (int i : change.writtenColumns()) {
            columns.add(change.table().columns().get(i));
        }
        versions.store(table, key, RowMerge.localUpdate(versions.load(table, key), stamp, columns));
    }

    @Override
    public void close() throws SQLException {
        changes.close();
    }
}
