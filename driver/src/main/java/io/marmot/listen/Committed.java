package io.marmot.listen;

import io.marmot.wire.RowChange;
import java.util.List;
import java.util.Map;

/**
 * A committed transaction waiting in {@link ListenerQueue}s: one object for every listener that follows all its
 * tables, turned into a {@link ChangeEvent} only on a listener's thread (the writer pays for no event).
 * {@code before}: the rows as they were before its updates and deletes, by change (null: not read).
 */
record Committed(ChangeEvent.Source source, long origin, long version, List<RowChange> changes,
        Map<RowChange, Map<String, Object>> before) {
    /** The same transaction with only the changes of the tables a listener follows. */
    Committed only(List<RowChange> followed) {
        return new Committed(source, origin, version, followed, before);
    }

    ChangeEvent event() {
        return new ChangeEvent(origin, version, source, ChangedRows.of(changes, before));
    }
}
