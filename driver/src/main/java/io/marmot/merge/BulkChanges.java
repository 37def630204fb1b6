package io.marmot.merge;

import io.marmot.clock.RowMerge;
import io.marmot.clock.RowState;
import io.marmot.clock.RowVersions;
import io.marmot.clock.Stamp;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Updates (of the same columns) and deletes of rows this node holds, many to a statement: the rows' states read in one
 * statement, each change decided by {@link RowMerge} exactly as {@link ChangeMerge} decides it, and only when every
 * change of the run simply wins (an update writes every column it changed, a delete removes a live row, nothing is
 * lost to another node's write, no current value is needed), the rows are written and their new states stored in one
 * statement each, under a savepoint. Otherwise, or when a write fails or an update finds a row missing, nothing of
 * the run is left written and the caller merges its changes one by one, in their order.
 */
final class BulkChanges {
    private final RowVersions versions;
    private final Savepoint savepoint;

    BulkChanges(RowVersions versions, Savepoint savepoint) {
        this.versions = versions;
        this.savepoint = savepoint;
    }

    /**
     * Applies the run of updates or deletes from {@code from} in bulk when there is one (the same operation, table
     * shape and changed columns, a declared key holding no NULL, no key twice, at least {@link BulkRun#MIN_RUN}).
     * Returns as {@link BulkInserts#apply} does: the run's end when applied, minus it when not, {@code from} when
     * there is no run.
     */
    int apply(TableWriter t, List<RowChange> changes, int from, long origin) throws SQLException {
        RowChange first = changes.get(from);
        List<byte[]> keys = BulkRun.keys(changes, from, ch -> ch.op() == first.op() && ch.table() == first.table()
                && t.upsertsInBulk(ch) && Arrays.equals(ch.changed(), first.changed()));
        int end = from + keys.size();
        if (keys.size() < BulkRun.MIN_RUN) {
            return from;
        }
        Map<ByteBuffer, RowState> states = versions.loadAll(t.table, keys);
        List<RowState> next = new ArrayList<>(keys.size());
        List<Object[]> rowKeys = new ArrayList<>(keys.size());
        List<Object[]> values = new ArrayList<>(keys.size());
        List<String> names = null;
        for (int i = 0; i < keys.size(); i++) {
            RowChange ch = changes.get(from + i);
            RowState state = states.get(ByteBuffer.wrap(keys.get(i)));
            if (state == null) {
                return -end; // an unseen row: one by one, which looks whether the table holds it unversioned
            }
            Stamp s = new Stamp(ch.version(), origin);
            RowMerge.Outcome o;
            if (ch.isUpdate()) {
                Map<String, Object> changed = t.changedByName(ch);
                o = RowMerge.update(state, s, changed, !state.deleted());
                if (o.action() != RowMerge.Action.UPDATE || o.write().size() != changed.size()) {
                    return -end;
                }
                names = names == null ? new ArrayList<>(changed.keySet()) : names;
                values.add(changed.values().toArray());
            } else {
                boolean[] needsRow = {false};
                o = RowMerge.delete(state, s, cols -> {
                    needsRow[0] = true;
                    return null;
                });
                if (needsRow[0] || o.action() != RowMerge.Action.DELETE) {
                    return -end;
                }
            }
            if (!o.lost().isEmpty()) {
                return -end;
            }
            next.add(o.next());
            rowKeys.add(ch.key());
        }
        savepoint.begin();
        try {
            if (first.isUpdate()) {
                if (t.bulk().updateAll(names, rowKeys, values) != rowKeys.size()) {
                    savepoint.rollBack(); // a row its state calls alive is missing here: merged one by one
                    return -end;
                }
            } else {
                t.bulk().deleteAll(rowKeys);
            }
            versions.storeAll(t.table, keys, next);
            savepoint.release();
            return end;
        } catch (SQLException e) {
            if (!Sqlite.rejectsTheData(e)) {
                // this node's trouble (a full disk may have rolled the whole transaction back): retried whole
                throw e;
            }
            // one by one, each change meets the failure alone (a clash is settled, bad data rejects its transaction)
        }
        savepoint.rollBack();
        return -end;
    }
}
