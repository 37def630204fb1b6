package io.marmot.replication;

import io.marmot.capture.ChangeLog;
import io.marmot.capture.LoggedChanges;
import io.marmot.capture.VersionFold;
import io.marmot.clock.RowKey;
import io.marmot.clock.RowMerge;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.config.MarmotConfig;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The SQLite side of applying: received transactions go into ONE SQLite transaction, each under its own savepoint
 * so it lands whole or not at all. Each row change goes through {@link RowMerge} against the row's state in
 * {@link RowVersions}, so duplicates and any delivery order give the same database; what a write loses to another
 * node's goes to the {@link ConflictRecord}.
 */
final class VersionCheckedWriter implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(VersionCheckedWriter.class);
    private final Connection db;
    private final ReplicationStats stats;
    private final LoggedChanges schema = new LoggedChanges();
    private final RowVersions versions;
    private final VersionFold fold;
    private final RowWriter writer;
    private final ConflictRecord conflicts;
    private static final int MAX_UNIQUE_CLASHES = 4;
    private int schemaVersion = -1;

    VersionCheckedWriter(Connection db, long nodeId, MarmotConfig config, ReplicationStats stats) throws SQLException {
        this.db = db;
        this.stats = stats;
        this.versions = new RowVersions(db);
        this.fold = new VersionFold(db, nodeId, versions);
        this.writer = new RowWriter(db, schema, config);
        this.conflicts = new ConflictRecord(db, nodeId, stats);
    }

    /** What became of one transaction: applied (with its counts) or rejected with a reason. */
    record Outcome(int applied, int stale, long maxVersion, String rejection) {
        boolean rejected() {
            return rejection != null;
        }
    }

    /** Work done in the same transaction, after the groups, seeing their outcomes (parking, positions). */
    @FunctionalInterface
    interface Epilogue {
        void run(Connection db, List<Outcome> outcomes) throws SQLException;
    }

    /** Set-based work on the database, given its SQLite transaction; returns the newest version it wrote. */
    @FunctionalInterface
    interface BulkWork {
        long run(Connection db) throws SQLException;
    }

    /**
     * Runs set-based writes (rows copied with their versions) in one transaction under the same conditions as
     * {@link #apply}: local changes folded first, capture off, the clock raised past what was written.
     */
    void applyBulk(BulkWork work) throws SQLException {
        fold.catchUp();
        Sqlite.inWriteTransaction(db, c -> {
            execute("UPDATE " + ChangeLog.STATE + " SET applying = 1");
            fold.fold();
            raiseClockAndResume(work.run(db));
            return null;
        });
    }

    List<Outcome> apply(List<Transaction> transactions, Epilogue epilogue) throws SQLException {
        if (!transactions.isEmpty()) {
            fold.catchUp();
        }
        return Sqlite.inWriteTransaction(db, c -> {
            int version = SchemaReader.schemaVersion(db);
            if (version != schemaVersion) {
                writer.reset();
                schemaVersion = version;
            }
            execute("UPDATE " + ChangeLog.STATE + " SET applying = 1");
            if (!transactions.isEmpty()) {
                fold.fold(); // local versions must be known before comparing with received ones
            }
            List<Outcome> outcomes = new ArrayList<>(transactions.size());
            long maxVersion = 0;
            for (Transaction tx : transactions) {
                execute("SAVEPOINT marmot_tx");
                Outcome o;
                try {
                    o = applyTransaction(tx);
                    maxVersion = Math.max(maxVersion, o.maxVersion());
                } catch (RejectedChange e) {
                    execute("ROLLBACK TO marmot_tx");
                    o = new Outcome(0, 0, 0, e.getMessage());
                }
                execute("RELEASE marmot_tx");
                outcomes.add(o);
            }
            epilogue.run(db, outcomes);
            raiseClockAndResume(maxVersion);
            return outcomes;
        });
    }

    /** Capture on again, and the clock past every version written (the next local write must be newer). */
    private void raiseClockAndResume(long maxVersion) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("UPDATE " + ChangeLog.STATE
                + " SET applying = 0, hlc = max(hlc, ?)")) {
            ps.setLong(1, maxVersion);
            ps.executeUpdate();
        }
    }

    private Outcome applyTransaction(Transaction tx) throws RejectedChange, SQLException {
        long maxVersion = 0;
        int applied = 0;
        int stale = 0;
        for (RowChange ch : tx.changes()) {
            RowWriter.Target t = writer.target(ch.table());
            if (t == null) {
                continue;
            }
            try {
                if (applyChange(t, ch, new Stamp(ch.version(), tx.origin()))) {
                    applied++;
                    maxVersion = Math.max(maxVersion, ch.version());
                } else {
                    stale++;
                }
            } catch (SQLException e) {
                if (!Sqlite.rejectsTheData(e)) {
                    throw e; // this node's trouble (a full disk, say), not the change's: retried whole, never parked
                }
                throw new RejectedChange("table '" + t.table + "' key " + Arrays.deepToString(ch.key()) + ": "
                        + e.getMessage());
            }
        }
        return new Outcome(applied, stale, maxVersion, null);
    }

    /**
     * Applies one change as {@link RowMerge} decides; true when it wrote anything. A clash on a {@code UNIQUE}
     * column other than the key is settled by {@link #settle} and the change tried again (a few times at most: one
     * row per unique constraint may stand in its way).
     */
    private boolean applyChange(RowWriter.Target t, RowChange ch, Stamp s) throws SQLException {
        for (int attempt = 0;; attempt++) {
            try {
                return applyOnce(t, ch, s);
            } catch (SQLException e) {
                UniqueClash clash = UniqueClash.of(e, t.table);
                if (clash == null || attempt >= MAX_UNIQUE_CLASHES) {
                    throw e;
                }
                if (!settle(t, ch, s, clash, e)) {
                    return false;
                }
            }
        }
    }

    private boolean applyOnce(RowWriter.Target t, RowChange ch, Stamp s) throws SQLException {
        Object[] key = ch.key();
        byte[] keyBytes = RowKey.of(key);
        if (ch.op() == RowChange.INSERT && versions.claimUnseen(t.table, keyBytes, s)) {
            try {
                t.upsert(ch); // the common case: a row this node never saw
            } catch (SQLException e) {
                versions.forget(t.table, keyBytes); // as if never tried: the caller may settle a clash and retry
                throw e;
            }
            return true;
        }
        RowState state = versions.load(t.table, keyBytes);
        if (ch.op() != RowChange.INSERT && state.equals(RowState.UNSEEN) && t.read(key, List.of()) != null) {
            // A row here that no version describes: written while capture was off, or its versions lost (renames
            // take them along, rows logged before are folded first). It stands, older than any write: updates among
            // themselves still merge exactly by their column claims, but an insert or delete of it that this node
            // never recorded cannot be weighed. Taken as absent, an update would wait for an insert that never comes,
            // and a delete would leave it standing.
            state = RowState.alive(Stamp.NONE);
            stats.unversionedUpdates.incrementAndGet();
            log.warn("row {} of table {} is here without any recorded version: the change from node {} is applied as if"
                    + " the row were older than every write (the verifier compares the nodes' rows)",
                    java.util.Arrays.toString(key), t.table, s.node());
        }
        RowMerge.Outcome o;
        switch (ch.op()) {
            case RowChange.INSERT -> {
                o = RowMerge.insert(state, s, t.valuesByName(ch), cols -> t.read(key, cols));
                if (o.action() == RowMerge.Action.UPSERT) {
                    t.upsert(ch, o.write());
                }
            }
            case RowChange.UPDATE -> {
                Map<String, Object> changed = t.changedByName(ch);
                o = RowMerge.update(state, s, changed, !state.deleted());
                if (o.action() == RowMerge.Action.UPDATE && t.update(key, o.write()) == 0) {
                    o = RowMerge.update(state, s, changed, false); // the table lacks the row its state calls alive
                }
            }
            default -> {
                o = RowMerge.delete(state, s, cols -> t.read(key, cols));
                if (o.action() == RowMerge.Action.DELETE) {
                    t.delete(ch);
                }
            }
        }
        if (!o.next().equals(state)) {
            versions.store(t.table, keyBytes, o.next());
        }
        for (RowMerge.Lost lost : o.lost()) {
            conflicts.record(t.table, key, lost);
        }
        return o.action() != RowMerge.Action.NOTHING || !o.next().equals(state);
    }

    /**
     * Two rows want one unique value: the row whose write of the clashing columns is newer keeps it, the other row
     * is removed (as a delete stamped with the winner's version) and goes to the conflict record. Every node decides
     * the same, whichever of the two it saw first. True when the incoming change won and should be tried again.
     */
    private boolean settle(RowWriter.Target t, RowChange ch, Stamp s, UniqueClash clash, SQLException cause)
            throws SQLException {
        Object[] key = ch.key();
        Map<String, Object> wanted = new java.util.LinkedHashMap<>();
        Map<String, Object> incoming = ch.op() == RowChange.INSERT ? t.valuesByName(ch) : t.changedByName(ch);
        Map<String, Object> current = ch.op() == RowChange.INSERT ? null : t.read(key, clash.columns());
        for (String column : clash.columns()) {
            wanted.put(column, incoming.containsKey(column) ? incoming.get(column)
                    : current == null ? null : current.get(column));
        }
        Object[] holder = t.holderOf(wanted, key);
        if (holder == null) {
            throw cause; // no row of this table holds the value: not a clash this rule can settle
        }
        byte[] holderKey = RowKey.of(holder);
        RowState holderState = versions.load(t.table, holderKey);
        Stamp held = Stamp.NONE;
        for (String column : clash.columns()) {
            held = Stamp.newest(held, holderState.stampOf(column));
        }
        if (s.newerThan(held)) {
            removeRow(t, holder, holderKey, holderState, s, held);
            return true;
        }
        if (ch.op() == RowChange.INSERT) {
            byte[] keyBytes = RowKey.of(key);
            RowState state = versions.load(t.table, keyBytes);
            RowMerge.Outcome o = RowMerge.delete(state, held, cols -> null);
            versions.store(t.table, keyBytes, o.next());
            conflicts.record(t.table, key, new RowMerge.Lost(RowMerge.Kind.UNIQUE, incoming, s, held));
        } else {
            removeRow(t, key, RowKey.of(key), versions.load(t.table, RowKey.of(key)), held, s);
        }
        return false;
    }

    /** Removes a row that lost a unique value, as a delete stamped {@code winner}, keeping its values as a conflict. */
    private void removeRow(RowWriter.Target t, Object[] key, byte[] keyBytes, RowState state, Stamp winner, Stamp lost)
            throws SQLException {
        Map<String, Object> values = t.read(key, t.columnNames());
        t.deleteKey(key);
        RowMerge.Outcome o = RowMerge.delete(state, winner, cols -> values);
        versions.store(t.table, keyBytes, o.action() == RowMerge.Action.NOTHING ? state.deletedAt() : o.next());
        conflicts.record(t.table, key, new RowMerge.Lost(RowMerge.Kind.UNIQUE, values == null ? Map.of() : values,
                lost, winner));
    }

    /**
     * Writes a row's values as they are, its version left as it is: a tie between two nodes' rows of equal versions
     * settled by content (see {@link Repairer}). Only inside {@link #apply}'s epilogue (not captured again).
     */
    void overwrite(RowChange insert) throws RejectedChange, SQLException {
        RowWriter.Target t = writer.target(insert.table());
        if (t != null) {
            t.upsert(insert);
        }
    }

    /** Removes a row, its version left as it is (see {@link #overwrite}). */
    void remove(io.marmot.wire.TableShape shape, Object[] key) throws RejectedChange, SQLException {
        RowWriter.Target t = writer.target(shape);
        if (t != null) {
            t.deleteKey(key);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    /** After a failed transaction: statements it left half-run are prepared anew. */
    void forgetStatements() throws SQLException {
        writer.reset();
        schemaVersion = -1;
    }

    @Override
    public void close() throws SQLException {
        try {
            writer.close();
        } finally {
            try {
                fold.close();
                versions.close();
                conflicts.close();
            } finally {
                schema.close();
            }
        }
    }
}
