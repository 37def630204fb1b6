package io.marmot.merge;

import io.marmot.clock.RowVersions;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.RowChange;
import java.sql.SQLException;
import java.util.List;

/**
 * Inserts of rows this node has no state for (the common case: another node's new rows), many to a statement: their
 * states claimed in one {@code INSERT ... ON CONFLICT DO NOTHING}, their rows written in one upsert, instead of two
 * statements a row. It decides exactly as {@link ChangeMerge} does for such rows (an unseen row takes the insert);
 * whenever that is not so for every row of a run (a row has a state, a write fails: a clash on another UNIQUE column,
 * say), the run is rolled back to its savepoint and the caller merges its changes one by one, in their order.
 */
final class BulkInserts {
    private final RowVersions versions;
    private final Savepoint savepoint;

    BulkInserts(RowVersions versions, Savepoint savepoint) {
        this.versions = versions;
        this.savepoint = savepoint;
    }

    /**
     * Applies the run of changes from {@code from} in bulk when there is one: inserts into {@code t} of the same table
     * shape, with a declared key holding no NULL, no key twice, at least {@link BulkRun#MIN_RUN}. Returns the run's end
     * (exclusive) when it is applied; minus its end when it is not (every row of it is left to be merged one by one,
     * none written); {@code from} when there is no run.
     */
    int apply(TableWriter t, List<RowChange> changes, int from, long origin) throws SQLException {
        RowChange first = changes.get(from);
        List<byte[]> keys = BulkRun.keys(changes, from,
                ch -> ch.op() == RowChange.INSERT && ch.table() == first.table() && t.upsertsInBulk(ch));
        int end = from + keys.size();
        if (keys.size() < BulkRun.MIN_RUN) {
            return from;
        }
        long[] stamps = new long[keys.size()];
        for (int i = 0; i < stamps.length; i++) {
            stamps[i] = changes.get(from + i).version();
        }
        savepoint.begin();
        try {
            if (versions.claimUnseenAll(t.table, keys, stamps, origin)) {
                t.bulk().upsertAll(changes.subList(from, end));
                savepoint.release();
                return end;
            }
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
