package io.marmot.listen;

import io.marmot.wire.RowChange;
import java.util.List;

/**
 * A committed transaction waiting in {@link ListenerQueue}s: one object for every listener that follows all its
 * tables, turned into a {@link ChangeEvent} only on a listener's thread (the writer pays for no event).
 */
record Committed(ChangeEvent.Source source, long origin, long version, List<RowChange> changes) {
    /** The same transaction with only the changes of the tables a listener follows. */
    Committed only(List<RowChange> followed) {
        return new Committed(source, origin, version, followed);
    }

    ChangeEvent event() {
        return new ChangeEvent(origin, version, source, ChangedRows.of(changes));
    }
}
