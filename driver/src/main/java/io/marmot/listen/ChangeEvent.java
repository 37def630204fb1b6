package io.marmot.listen;

import java.util.List;

/**
 * One transaction that changed this node's rows, as a {@link ChangeListener} hears it.
 *
 * @param origin the node that wrote it (this node's id for its own commits)
 * @param version the transaction's clock value (its first change's): with {@code origin} it names the transaction on
 *     every node, so an event heard on two nodes can be matched
 * @param source how the rows came to change here
 * @param rows the row changes that took effect here, in the order written, only those of the followed tables
 */
public record ChangeEvent(long origin, long version, Source source, List<ChangedRow> rows) {
    public ChangeEvent {
        rows = List.copyOf(rows);
    }

    /** How a transaction reached this node's rows. */
    public enum Source {
        /** Committed on this node (any process's connection), heard once published. */
        LOCAL,
        /** A peer's transaction applied here. */
        PEER,
        /**
         * A row verification's repair wrote from a peer's (one event per row change, with the origin and version
         * of the write it repeats).
         */
        REPAIR
    }
}
