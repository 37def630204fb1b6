package io.marmot.apply;

import io.marmot.clock.Hlc;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeEvent;
import io.marmot.listen.ChangeListener;
import io.marmot.listen.ChangeListeners;
import io.marmot.merge.ConflictRecord;
import io.marmot.merge.VersionCheckedWriter;
import io.marmot.publish.OwnMessages;
import io.marmot.replication.ReplicationCounters;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.Transaction;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.SQLiteConnection;

/**
 * The applier's writes, each one SQLite transaction: received groups applied (or parked), and with them the stream
 * positions they reach and any messages found gone, so rows and positions are never out of step.
 */
final class AppliedTransactions implements AutoCloseable {
    private static final int MAX_CHANGES_PER_TRANSACTION = 2000;

    private final long nodeId;
    private final SQLiteConnection db;
    private final ReplicationCounters stats;
    private final OwnMessages own;
    private final VersionCheckedWriter changes;
    private final ParkedMessages parked;
    private final ReceivedPositions positions;
    private final java.time.Duration conflictRetention;
    private long lastConflictPrune;

    private final ChangeListeners listeners;

    AppliedTransactions(long nodeId, SQLiteConnection db, MarmotConfig config, ReplicationCounters stats, OwnMessages own,
            ChangeListeners listeners, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.listeners = listeners;
        this.nodeId = nodeId;
        this.db = db;
        this.stats = stats;
        this.own = own;
        this.changes = new VersionCheckedWriter(db, nodeId, config, stats, listeners, writers);
        this.parked = new ParkedMessages(db, nodeId, stats, listeners);
        this.positions = new ReceivedPositions(db);
        this.conflictRetention = config.conflictRetention();
        MissedMessages.create(db);
        refreshOutOfSync();
    }

    Map<String, StreamPosition> storedPositions() throws SQLException {
        return positions.load();
    }

    /** Messages parked earlier, tried again when the schema changed. */
    void retryParked() throws SQLException {
        parked.retryIfSchemaChanged(changes);
    }

    /** Whether the schema moved since parked messages were last tried. */
    boolean retryOwed() throws SQLException {
        return parked.retryOwed();
    }

    /** At most once a minute: conflicts older than {@code conflict-retention} leave the record. */
    void pruneConflicts() throws SQLException {
        long now = System.nanoTime();
        if (lastConflictPrune != 0 && now - lastConflictPrune < java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
            return;
        }
        lastConflictPrune = now;
        Sqlite.inWriteTransaction(db, c -> ConflictRecord.prune(c, conflictRetention));
    }

    /** A message of a newer wire format: kept until this node is upgraded. */
    void parkUnread(String stream, long seq, byte[] message, String reason) throws SQLException {
        Sqlite.inWriteTransaction(db, c -> {
            parked.parkUnread(0, stream, seq, message, reason);
            return null;
        });
    }

    /** A stream bound anew whose position moved (created anew) or that lost messages: stored at once. */
    void rebound(String stream, StreamCheck.Decision d) throws SQLException {
        Sqlite.inWriteTransaction(db, c -> {
            for (StreamCheck.Gap g : d.gaps()) {
                MissedMessages.record(c, nodeId, stream, g.first(), g.last(), g.reason());
            }
            positions.record(stream, d.position());
            return null;
        });
        refreshOutOfSync();
    }

    /**
     * Applies groups in short transactions (the application's own writers wait while the applier holds the write
     * lock); the last one stores the positions when there is anything to apply or {@code positionsDue}. Returns
     * whether the positions were stored.
     */
    boolean applyInSlices(List<GroupAssembler.Group> ready, StreamProgress progress, boolean positionsDue)
            throws SQLException {
        int from = 0;
        int changesInSlice = 0;
        for (int i = 0; i < ready.size(); i++) {
            changesInSlice += ready.get(i).changeCount();
            if (changesInSlice >= MAX_CHANGES_PER_TRANSACTION && i < ready.size() - 1) {
                apply(ready.subList(from, i + 1), null);
                from = i + 1;
                changesInSlice = 0;
                LockSupport.parkNanos(500_000); // a moment with the lock free for the application's writers
            }
        }
        if (from < ready.size() || positionsDue) {
            apply(ready.subList(from, ready.size()), progress);
            return true;
        }
        return false;
    }

    /**
     * Applies groups in one transaction; with {@code progress}, also stores the positions (and gaps) it holds,
     * and tells it once they are committed.
     */
    void apply(List<GroupAssembler.Group> ready, StreamProgress progress) throws SQLException {
        Map<String, StreamPosition> written = new HashMap<>();
        List<Transaction> transactions = new ArrayList<>();
        List<GroupAssembler.Group> carriedBy = new ArrayList<>();
        for (GroupAssembler.Group g : ready) {
            for (Transaction tx : ChangeBatch.transactions(g.batches)) {
                transactions.add(tx);
                carriedBy.add(g);
            }
        }
        List<VersionCheckedWriter.Outcome> outcomes = changes.apply(transactions, (c, results) -> {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).rejected()) {
                    GroupAssembler.Group g = carriedBy.get(i);
                    parked.park(transactions.get(i), g.stream, g.firstSeq, results.get(i).rejection());
                }
            }
            if (progress != null) {
                for (StreamProgress.Gone g : progress.gone()) {
                    MissedMessages.record(c, nodeId, g.stream(), g.gap().first(), g.gap().last(), g.gap().reason());
                }
                written.putAll(progress.positionsToStore());
                for (Map.Entry<String, StreamPosition> e : written.entrySet()) {
                    positions.record(e.getKey(), e.getValue());
                }
            }
        });
        if (progress != null) {
            boolean foundGone = !progress.gone().isEmpty();
            progress.stored(written); // only once committed: a failed transaction is read again whole
            written.forEach((stream, p) -> own.forgetUpTo(stream, p.seq()));
            if (foundGone) {
                refreshOutOfSync();
            }
        }
        long maxVersion = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            VersionCheckedWriter.Outcome o = outcomes.get(i);
            if (o.written() != null && !o.written().isEmpty()) { // committed: the listeners hear it now
                Transaction tx = transactions.get(i);
                listeners.committed(ChangeEvent.Source.PEER, tx.origin(), tx.changes().get(0).version(), o.written(),
                        o.before());
            }
            stats.appliedChanges.addAndGet(o.applied());
            stats.staleChanges.addAndGet(o.stale());
            maxVersion = Math.max(maxVersion, o.maxVersion());
        }
        listeners.flush();
        stats.appliedMessages.addAndGet(ready.size());
        if (maxVersion > 0) {
            stats.lastLagMillis.set(Math.max(0, System.currentTimeMillis() - Hlc.millis(maxVersion)));
        }
    }

    void refreshOutOfSync() throws SQLException {
        long missed = MissedMessages.count(db);
        stats.missedMessages.set(missed);
        boolean was = stats.outOfSync;
        stats.outOfSync = missed > 0;
        if (listeners != null && was != missed > 0) {
            listeners.nodeEvent(missed > 0 ? l -> l.onOutOfSync(missed) : ChangeListener::onBackInSync);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            positions.close();
        } finally {
            changes.close();
        }
    }
}
