package io.marmot.snapshot;

import io.marmot.merge.MergeWriter;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes of a merge waiting to be applied, grouped by the node that made them: each group goes to the writer as
 * transactions of one origin, in slices, so one change the writer refuses costs only its slice a second pass.
 */
final class MergeBatch {
    private static final int SLICE = 250;

    private final Map<Long, List<RowChange>> byOrigin = new LinkedHashMap<>();
    private int size;

    /** Adds a change; returns how many are waiting. */
    int add(long origin, RowChange change) {
        byOrigin.computeIfAbsent(origin, o -> new ArrayList<>()).add(change);
        return ++size;
    }

    int size() {
        return size;
    }

    /** Applies everything waiting in one transaction of the writer and empties the batch. */
    MergeWriter.Result applyTo(MergeWriter writer) throws SQLException {
        List<Transaction> txs = new ArrayList<>();
        for (Map.Entry<Long, List<RowChange>> e : byOrigin.entrySet()) {
            List<RowChange> changes = e.getValue();
            for (int i = 0; i < changes.size(); i += SLICE) {
                txs.add(new Transaction(e.getKey(), changes.subList(i, Math.min(changes.size(), i + SLICE))));
            }
        }
        byOrigin.clear();
        size = 0;
        return writer.apply(txs);
    }
}
