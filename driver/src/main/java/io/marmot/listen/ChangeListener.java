package io.marmot.listen;

import java.util.List;

/**
 * Hears what changed this node's rows, one {@link ChangeEvent} per transaction, and what happened to the node. Called
 * on a listener thread of the engine (never a writing thread, never under a write lock), one call at a time, in the
 * order the node committed (see README "Change listeners"). A listener that cannot keep up is buffered up to a bound;
 * past it events are dropped and {@link #onGap} says how many, so the application knows to read its rows afresh.
 * Every method but {@link #onChange} does nothing unless overridden.
 */
@FunctionalInterface
public interface ChangeListener {
    /** A transaction that changed rows of the tables this listener follows. */
    void onChange(ChangeEvent event);

    /**
     * Whether this listener wants {@link ChangedRow#oldValues()}: while any registered listener does, the applier
     * reads each row a peer's update or delete changes before writing it (one query by key per such row).
     * Asked once, when the listener is added.
     */
    default boolean wantsOldValues() {
        return false;
    }

    /** {@code missedEvents} events (transactions and node events) were not delivered here: resync from the rows. */
    default void onGap(long missedEvents) {
    }

    /**
     * A concurrent write lost to another (the record {@code marmot_conflicts} keeps it for {@code conflict-retention}).
     *
     * @param table the row's table
     * @param key the row's key values
     * @param kind what kind of conflict (as in {@code stats().conflicts()})
     * @param lost what lost: the losing write's columns and values, as recorded
     */
    default void onConflict(String table, List<Object> key, String kind, String lost) {
    }

    /** The node learned that changes are missing here (see {@code Marmot.missedRanges}). */
    default void onOutOfSync(long missedMessages) {
    }

    /** The node is no longer out of sync. */
    default void onBackInSync() {
    }

    /** Verification found rows differing from a peer's and repaired {@code rowsRepaired} rows here. */
    default void onDivergenceRepaired(long peer, long rowsFoundDifferent, long rowsRepaired) {
    }

    /** A unique-constraint clash between two nodes' rows was settled (see README "Unique clashes"). */
    default void onUniqueClashSettled(String table, String detail) {
    }

    /**
     * A snapshot was merged into this node's live database (it had missed changes the streams no longer hold), and
     * it changed {@code rowsChanged} rows of the tables this listener follows. Those rows are not heard one by one:
     * a merge writes new rows set-based, straight from the copy, and may change millions of rows at once. By default
     * this is {@link #onGap}: read the rows afresh.
     */
    default void onSnapshotMerged(long rowsChanged) {
        onGap(rowsChanged);
    }

    /** {@code health().ready()} changed; {@code problems} says why it is not ready (empty when ready). */
    default void onHealthChanged(boolean ready, List<String> problems) {
    }
}
