package io.marmot.wire;

import java.util.List;

/** The changes one node committed together: applied together, or kept aside (parked) together. */
public record Transaction(long origin, List<RowChange> changes) {
    public Transaction {
        changes = List.copyOf(changes);
    }

    /** As one whole message, for keeping it aside. */
    public ChangeBatch asBatch() {
        return new ChangeBatch(origin, changes.isEmpty() ? 0 : changes.get(0).version(), 0, true, changes);
    }
}
