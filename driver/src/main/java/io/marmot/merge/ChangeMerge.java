package io.marmot.merge;

import io.marmot.clock.RowKey;
import io.marmot.clock.RowMerge;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.replication.ReplicationCounters;
import io.marmot.wire.RowChange;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One received row change against the row's state in {@link RowVersions}: {@link RowMerge} decides, the
 * {@link TableWriter} writes, the new state is stored and what lost goes to the {@link ConflictRecord}. Duplicates and
 * any delivery order give the same row.
 */
final class ChangeMerge {
    private static final Logger log = LoggerFactory.getLogger(ChangeMerge.class);
    private static final int MAX_UNIQUE_CLASHES = 4;
    private final RowVersions versions;
    private final ConflictRecord conflicts;
    private final ReplicationCounters stats;
    private final UniqueClashes clashes;

    ChangeMerge(RowVersions versions, ConflictRecord conflicts, ReplicationCounters stats) {
        this.versions = versions;
        this.conflicts = conflicts;
        this.stats = stats;
        this.clashes = new UniqueClashes(versions, conflicts);
    }

    /** The last change's effect on its row (see {@link #visible}). */
    private RowMerge.Action lastAction = RowMerge.Action.NOTHING;
    private Map<String, Object> lastWrite;

    /**
     * Applies one change as {@link RowMerge} decides; true when it wrote anything. A clash on a {@code UNIQUE}
     * column other than the key is settled by {@link UniqueClashes#settle} and the change tried again (a few times at
     * most: one row per unique constraint may stand in its way).
     */
    boolean apply(TableWriter t, RowChange ch, Stamp s) throws SQLException {
        for (int attempt = 0;; attempt++) {
            try {
                return applyOnce(t, ch, s);
            } catch (SQLException e) {
                UniqueClash clash = UniqueClash.of(e, t.table);
                if (clash == null || attempt >= MAX_UNIQUE_CLASHES) {
                    throw e;
                }
                if (!clashes.settle(t, ch, s, clash, e)) {
                    return false;
                }
            }
        }
    }

    /**
     * What the last {@link #apply} that returned true did to the row, as listeners hear it: null when it changed only
     * versions (a claim on a deleted row, say), the change narrowed to the columns that won when others lost.
     */
    RowChange visible(RowChange ch) {
        if (lastAction == RowMerge.Action.NOTHING) {
            return null;
        }
        if (lastWrite == null || ch.isDelete() || lastWrite.size() >= ch.writtenColumns().length) {
            return ch;
        }
        int[] won = new int[lastWrite.size()];
        int n = 0;
        for (int i : ch.writtenColumns()) {
            if (lastWrite.containsKey(ch.table().columns().get(i))) {
                won[n++] = i;
            }
        }
        return new RowChange(ch.version(), ch.table(), ch.op(), ch.rowid(), ch.values(), Arrays.copyOf(won, n));
    }

    private boolean applyOnce(TableWriter t, RowChange ch, Stamp s) throws SQLException {
        lastAction = RowMerge.Action.UPSERT;
        lastWrite = null;
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
                    Arrays.toString(key), t.table, s.node());
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
        lastAction = o.action();
        lastWrite = o.write();
        for (RowMerge.Lost lost : o.lost()) {
            conflicts.record(t.table, key, lost);
        }
        return o.action() != RowMerge.Action.NOTHING || !o.next().equals(state);
    }
}
