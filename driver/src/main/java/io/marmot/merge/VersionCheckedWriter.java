package io.marmot.merge;

import io.marmot.capture.LoggedChanges;
import io.marmot.capture.VersionFold;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.replication.ReplicationCounters;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQLite side of applying: received transactions go into ONE SQLite transaction, each under its own savepoint
 * so it lands whole or not at all, with local changes folded into the row versions first (they must be known before
 * comparing with received ones). Each row change is merged by {@link ChangeMerge}. The capture triggers log what it
 * writes like any write ({@link AppliedRows} removes those rows before it commits).
 */
public final class VersionCheckedWriter implements AutoCloseable {
    private final Connection db;
    private final LoggedChanges schema = new LoggedChanges();
    private final RowVersions versions;
    private final VersionFold fold;
    private final TableWriters writer;
    private final ConflictRecord conflicts;
    private final ChangeMerge merge;
    private final Savepoint txSavepoint;
    private final Savepoint bulkSavepoint;
    private final BulkInserts bulkInserts;
    private final BulkChanges bulkChanges;
    private final AppliedRows appliedRows;
    private int schemaVersion = -1;
    private final ChangeListeners listeners;

    VersionCheckedWriter(Connection db, long nodeId, MarmotConfig config, ReplicationCounters stats) throws SQLException {
        this(db, nodeId, config, stats, null, io.marmot.clock.VersionWriters.alone());
    }

    /**
     * @param listeners told nothing here: with some active, each outcome carries the changes that took effect
     * @param writers what the engine's writers of row versions share: its collector hears of every version written
     */
    public VersionCheckedWriter(Connection db, long nodeId, MarmotConfig config, ReplicationCounters stats,
            ChangeListeners listeners, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.db = db;
        this.listeners = listeners;
        this.versions = new RowVersions(db, writers);
        this.fold = new VersionFold(db, nodeId, versions);
        this.appliedRows = new AppliedRows(db);
        this.writer = new TableWriters(db, schema, config);
        this.conflicts = new ConflictRecord(db, nodeId, stats);
        this.merge = new ChangeMerge(versions, conflicts, stats);
        this.txSavepoint = new Savepoint(db, "marmot_tx");
        this.bulkSavepoint = new Savepoint(db, "marmot_bulk");
        this.bulkInserts = new BulkInserts(versions, bulkSavepoint);
        this.bulkChanges = new BulkChanges(versions, bulkSavepoint);
    }

    /**
     * What became of one transaction: applied (with its counts) or rejected with a reason; {@code written}: the
     * changes that took effect, when change listeners listen (else null); {@code before}: the rows as they were
     * before an update or delete of {@code written}, when a listener asks for old values (else null).
     */
    public record Outcome(int applied, int stale, long maxVersion, String rejection, List<RowChange> written,
            Map<RowChange, Map<String, Object>> before) {
        public boolean rejected() {
            return rejection != null;
        }
    }

    /** Work done in the same transaction, after the groups, seeing their outcomes (parking, positions). */
    @FunctionalInterface
    public interface Epilogue {
        void run(Connection db, List<Outcome> outcomes) throws SQLException;
    }

    /** Set-based work on the database, given its SQLite transaction; returns the newest version it wrote. */
    @FunctionalInterface
    interface BulkWork {
        long run(Connection db) throws SQLException;
    }

    /**
     * Runs set-based writes (rows copied with their versions) in one transaction under the same conditions as
     * {@link #apply}: local changes folded first, what it writes not captured, the clock raised past what was written.
     * It is a slice of a long job ({@link Sqlite#inSlice}): a merge's slices leave the file free in the rhythm of the
     * engine's others.
     */
    void applyBulk(BulkWork work) throws SQLException {
        fold.catchUp();
        Sqlite.inSlice(db, c -> {
            long logged = appliedRows.begin();
            fold.fold();
            long maxVersion = work.run(db);
            appliedRows.end(logged, maxVersion);
            return null;
        }, more -> true);
    }

    public List<Outcome> apply(List<Transaction> transactions, Epilogue epilogue) throws SQLException {
        if (!transactions.isEmpty()) {
            fold.catchUp();
        }
        boolean listening = listeners != null && listeners.active();
        List<Outcome> done = null;
        for (int attempt = 0; done == null; attempt++) {
            boolean mayStepBack = attempt < 3 && !transactions.isEmpty();
            try {
                done = Sqlite.inWriteTransaction(db, c -> applyAll(transactions, epilogue, listening, mayStepBack));
            } catch (BacklogFirst e) {
                fold.catchUp(); // a large local commit landed after the catch-up: folded in slices, not in here
            }
        }
        if (listening) {
            conflicts.heard().forEach(listeners::nodeEvent); // committed: now they happened
        }
        return done;
    }

    /** The lock is taken while more local changes wait to be folded than it should fold itself (see VersionFold). */
    private static final class BacklogFirst extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BacklogFirst() {
            super(null, null, false, false);
        }
    }

    private List<Outcome> applyAll(List<Transaction> transactions, Epilogue epilogue, boolean listening,
            boolean mayStepBack) throws SQLException {
        if (mayStepBack && fold.backlogAboveStepBack()) {
            throw new BacklogFirst();
        }
        conflicts.hear(listening); // a transaction tried again hears only its own
        int version = SchemaReader.schemaVersion(db);
        if (version != schemaVersion) {
            writer.reset();
            schemaVersion = version;
        }
        long logged = appliedRows.begin();
        if (!transactions.isEmpty()) {
            fold.fold(); // local versions must be known before comparing with received ones
        }
        List<Outcome> outcomes = new ArrayList<>(transactions.size());
        long maxVersion = 0;
        for (Transaction tx : transactions) {
            txSavepoint.begin();
            int mark = conflicts.heardMark();
            Outcome o;
            try {
                o = applyTransaction(tx);
                maxVersion = Math.max(maxVersion, o.maxVersion());
                txSavepoint.release();
            } catch (RejectedChange e) {
                txSavepoint.rollBack();
                conflicts.forgetSince(mark);
                o = new Outcome(0, 0, 0, e.getMessage(), null, null);
            }
            outcomes.add(o);
        }
        epilogue.run(db, outcomes);
        appliedRows.end(logged, maxVersion);
        return outcomes;
    }

    private Outcome applyTransaction(Transaction tx) throws RejectedChange, SQLException {
        long maxVersion = 0;
        int applied = 0;
        int stale = 0;
        boolean listening = listeners != null && listeners.active();
        // What listeners hear: the transaction's own list while every change took effect as sent (the common case),
        // a list of its own from the first that did not.
        List<RowChange> written = null;
        Map<RowChange, Map<String, Object>> before = listening && listeners.oldValues() ? new IdentityHashMap<>() : null;
        List<RowChange> changes = tx.changes();
        int oneByOneUntil = 0; // a run that could not go in bulk: its changes are merged one by one
        for (int index = 0; index < changes.size(); index++) {
            RowChange ch = changes.get(index);
            TableWriter t = writer.target(ch.table());
            if (t == null) {
                if (listening) {
                    written = Heard.add(tx.changes(), written, index, null);
                }
                continue;
            }
            // Runs of changes go in bulk; not for a listener that asked for the rows as they were before
            if (index >= oneByOneUntil && (ch.op() == RowChange.INSERT || before == null)) {
                int end = ch.op() == RowChange.INSERT ? bulkInserts.apply(t, changes, index, tx.origin())
                        : bulkChanges.apply(t, changes, index, tx.origin());
                for (int i = index; i < end; i++) { // applied as sent, each
                    applied++;
                    maxVersion = Math.max(maxVersion, changes.get(i).version());
                    written = listening ? Heard.add(changes, written, i, changes.get(i)) : null;
                }
                if (end > index) {
                    index = end - 1;
                    continue;
                }
                oneByOneUntil = -end;
            }
            try {
                // One read by key, only for a listener that asked: the applier itself never reads the whole row.
                Map<String, Object> was = before == null || ch.op() == RowChange.INSERT ? null
                        : t.read(ch.key(), ch.table().columns());
                if (merge.apply(t, ch, new Stamp(ch.version(), tx.origin()))) {
                    applied++;
                    if (listening) {
                        RowChange visible = merge.visible(ch);
                        written = Heard.add(tx.changes(), written, index, visible);
                        if (was != null && visible != null) {
                            before.put(visible, was);
                        }
                    }
                    maxVersion = Math.max(maxVersion, ch.version());
                } else {
                    stale++;
                    if (listening) {
                        written = Heard.add(tx.changes(), written, index, null);
                    }
                }
            } catch (SQLException e) {
                if (!Sqlite.rejectsTheData(e)) {
                    throw e; // this node's trouble (a full disk, say), not the change's: retried whole, never parked
                }
                throw new RejectedChange("table '" + t.table + "' key " + Arrays.deepToString(ch.key()) + ": "
                        + e.getMessage());
            }
        }
        if (listening && written == null) {
            written = tx.changes();
        }
        return new Outcome(applied, stale, maxVersion, null, written, before);
    }

    /**
     * Writes a row's values as they are, its version left as it is: a tie between two nodes' rows of equal versions
     * settled by content (see {@link Repairer}). Only inside {@link #apply}'s epilogue (not captured again).
     */
    public void overwrite(RowChange insert) throws RejectedChange, SQLException {
        TableWriter t = writer.target(insert.table());
        if (t != null) {
            t.upsert(insert);
        }
    }

    /** Removes a row, its version left as it is (see {@link #overwrite}). */
    public void remove(io.marmot.wire.TableShape shape, Object[] key) throws RejectedChange, SQLException {
        TableWriter t = writer.target(shape);
        if (t != null) {
            t.deleteKey(key);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            writer.close();
        } finally {
            try {
                bulkSavepoint.close();
                txSavepoint.close();
                fold.close();
                appliedRows.close();
                versions.close();
                conflicts.close();
            } finally {
                schema.close();
            }
        }
    }
}
