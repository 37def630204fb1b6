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
import java.util.function.BooleanSupplier;

/**
 * Brings the row versions up to date with local changes. The triggers only append to the log (one insert per
 * row keeps the application's writes cheap); "folding" the log into {@code __marmot_versions} happens inside the
 * applier's (or the log upkeep's) write transaction. Local versions always win over what was applied before
 * them, because the clock's floor is raised past every applied version.
 */
public final class VersionFold implements AutoCloseable {
    private static final int SLICE = 5000;
    /** Local changes a transaction that must fold them all folds itself; beyond, it steps back (see below). */
    private static final int STEP_BACK_ROWS = 200;
    private static final int PENDING_MAX = 256;

    private final Connection c;
    private final long localNode;
    private final RowVersions versions;
    private final LoggedChanges changes = new LoggedChanges();
    /** Local inserts and deletes not recorded yet: written in statements of many rows, in log order. */
    private final List<String> pendingTables = new ArrayList<>();
    private final List<byte[]> pendingKeys = new ArrayList<>();
    private final List<Stamp> pendingStamps = new ArrayList<>();
    private final boolean[] pendingDeleted = new boolean[PENDING_MAX];
    /** Run before each applied transaction (twice) and each fold: prepared once, at their first use. */
    private PreparedStatement backlogQuery;
    private PreparedStatement foldedQuery;

    public VersionFold(Connection c, long localNode, RowVersions versions) {
        this.c = c;
        this.localNode = localNode;
        this.versions = versions;
    }

    /** Folds every local change; call inside a write transaction. Returns how far the log is folded. */
    public LogPosition fold() throws SQLException {
        return foldRows(Integer.MAX_VALUE, Long.MAX_VALUE, new boolean[1]);
    }

    /**
     * Folds what one slice may (see {@link Sqlite#SLICE_NANOS}), inside a write transaction whose work is not bound to
     * a complete fold (the log's upkeep). Returns how far the log is folded.
     */
    public LogPosition foldSlice() throws SQLException {
        return foldRows(SLICE, System.nanoTime() + Sqlite.SLICE_NANOS, new boolean[1]);
    }

    /**
     * Whether more local changes wait to be folded than a transaction that must fold them all (the applier's) should
     * fold while it holds the write lock (about a millisecond's worth): it steps back and lets {@link #catchUp} fold
     * them in slices first. A large commit landing between a catch-up and such a transaction was folded whole in it,
     * holding the write lock for seconds.
     */
    public boolean backlogAboveStepBack() throws SQLException {
        return backlog() > STEP_BACK_ROWS;
    }

    /** How many local changes wait to be folded. */
    private long backlog() throws SQLException {
        if (backlogQuery == null) {
            backlogQuery = c.prepareStatement("SELECT (SELECT coalesce(max(seq), 0) FROM " + ChangeLog.LOG + ")"
                    + " - folded_seq FROM " + ChangeLog.STATE);
        }
        try (ResultSet rs = backlogQuery.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Folds local changes in transactions of at most {@value #SLICE} rows and about {@link Sqlite#SLICE_NANOS}, until
     * none remain: a backlog (a bulk load, a long outage) is absorbed without holding the write lock long enough to
     * make the application's writers time out. The caller folds the remainder inside its own transaction.
     */
    public void catchUp() throws SQLException {
        catchUp(() -> false);
    }

    /**
     * As {@link #catchUp()}, but stops after a slice once {@code stop} says so. True when none remain.
     */
    public boolean catchUp(BooleanSupplier stop) throws SQLException {
        // The engine's threads (publisher, applier, schema watcher) may all meet the same backlog; folding it in turns
        // they would fill each other's pauses and keep the lock taken. The others wait here and find it folded.
        synchronized (versions.shared().catchUpTurn()) {
            return catchUpAlone(stop);
        }
    }

    private boolean catchUpAlone(BooleanSupplier stop) throws SQLException {
        Sqlite.SqlWork<Boolean> slice = tx -> {
            boolean[] cut = {false};
            foldRows(SLICE, System.nanoTime() + Sqlite.SLICE_NANOS, cut);
            return cut[0];
        };
        long backlog = backlog();
        if (backlog <= 0) {
            return true; // the usual case before each applied transaction: no write transaction for nothing
        }
        // A few rows (a node writing while it applies): folded at once. Paced as slices, the applier waited out the
        // breathers the publisher's pruning earned, leaving the lock idle (8 nodes writing: 10 % slower).
        if (backlog <= STEP_BACK_ROWS && !Sqlite.inWriteTransaction(c, slice)) {
            return true;
        }
        while (Sqlite.inSlice(c, slice, cut -> cut)) {
            if (stop.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    /** How far the log is folded. */
    public LogPosition folded() throws SQLException {
        if (foldedQuery == null) {
            foldedQuery = c.prepareStatement("SELECT folded_seq, folded_version FROM " + ChangeLog.STATE);
        }
        try (ResultSet rs = foldedQuery.executeQuery()) {
            rs.next();
            return new LogPosition(rs.getLong(1), rs.getLong(2));
        }
    }

    /** Folds up to {@code limit} rows, stopping at {@code deadline} (nanoTime); {@code cut} tells if rows were left. */
    private LogPosition foldRows(int limit, long deadline, boolean[] cut) throws SQLException {
        clearPending(); // what a failed fold left belongs to its rolled-back transaction
        int[] count = {0};
        LogPosition folded = folded();
        LogPosition last = changes.readKeys(c, folded, (seq, version, tx, change) -> {
            if (count[0] >= limit || (count[0] & 63) == 63 && System.nanoTime() - deadline >= 0) {
                cut[0] = true;
                return false;
            }
            record(change, new Stamp(version, localNode));
            count[0]++;
            return true;
        });
        recordPending();
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
            pendingDeleted[pendingKeys.size()] = change.isDelete();
            pendingTables.add(table);
            pendingKeys.add(key);
            pendingStamps.add(stamp);
            if (pendingKeys.size() == PENDING_MAX) {
                recordPending();
            }
            return;
        }
        recordPending(); // an update merges into the state the inserts and deletes before it left
        List<String> columns = new ArrayList<>();
        for (int i : change.writtenColumns()) {
            columns.add(change.table().columns().get(i));
        }
        versions.store(table, key, RowMerge.localUpdate(versions.load(table, key), stamp, columns));
    }

    private void recordPending() throws SQLException {
        if (pendingKeys.isEmpty()) {
            return;
        }
        try {
            versions.recordLocalAll(pendingTables, pendingKeys, pendingStamps, pendingDeleted);
        } finally {
            clearPending();
        }
    }

    private void clearPending() {
        pendingTables.clear();
        pendingKeys.clear();
        pendingStamps.clear();
    }

    @Override
    public void close() throws SQLException {
        try (PreparedStatement a = backlogQuery; PreparedStatement b = foldedQuery) {
            changes.close();
        }
    }
}
