package io.marmot.listen;

import io.marmot.replication.ReplicationCounters;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One engine's change listeners: what the applier committed and what the publisher saw acknowledged go to each
 * listener's own {@link ListenerQueue}. With none registered the writers skip collecting anything ({@link #active}).
 */
public final class ChangeListeners implements AutoCloseable {
    private final long nodeId;
    private final ReplicationCounters stats;
    /** Where listeners hear: the JVM's listening threads ({@link MarmotRuntime}), application code off replication's. */
    private final java.util.concurrent.Executor pool;
    private final List<ListenerQueue> queues = new CopyOnWriteArrayList<>();
    private volatile boolean active;
    private volatile boolean oldValues;
    /** The publisher's chunks of a transaction split over several messages, until its last one is acknowledged. */
    private final List<ChangeBatch> chunks = new ArrayList<>();

    public ChangeListeners(long nodeId, ReplicationCounters stats, java.util.concurrent.Executor pool) {
        this.nodeId = nodeId;
        this.pool = pool;
        this.stats = stats;
    }

    /** Whether a listener asked for old values ({@link ChangeListener#wantsOldValues}): the applier reads them then. */
    public boolean oldValues() {
        return oldValues;
    }

    /** Whether anyone listens: writers collect changes for events only then. */
    public boolean active() {
        return active;
    }

    /** @param bufferedEvents events queued for the listener before it hears of a gap instead */
    public void add(ChangeListener listener, int bufferedEvents, Set<String> tables) {
        if (bufferedEvents < 1) {
            throw new IllegalArgumentException("bufferedEvents must be at least 1, not " + bufferedEvents);
        }
        queues.add(new ListenerQueue(nodeId, listener, tables, bufferedEvents, stats, pool));
        oldValues |= listener.wantsOldValues();
        active = true;
    }

    public void remove(ChangeListener listener) {
        for (ListenerQueue q : queues) {
            if (q.serves(listener)) {
                queues.remove(q);
                q.close();
            }
        }
        oldValues = queues.stream().anyMatch(ListenerQueue::wantsOldValues);
        active = !queues.isEmpty();
    }

    /** A committed transaction's changes that took effect here (none: no event); heard after {@link #flush}. */
    public void committed(ChangeEvent.Source source, long origin, long version, List<RowChange> changes) {
        committed(source, origin, version, changes, null);
    }

    /** As above, with the rows as they were before its updates and deletes (null: not read). */
    public void committed(ChangeEvent.Source source, long origin, long version, List<RowChange> changes,
            Map<RowChange, Map<String, Object>> before) {
        if (changes.isEmpty()) {
            return;
        }
        Committed tx = new Committed(source, origin, version, changes, before); // shared by listeners of every table
        for (ListenerQueue q : queues) {
            q.transaction(tx);
        }
    }

    /** The transactions given since the last call go to the listeners (once per committed batch). */
    public void flush() {
        for (ListenerQueue q : queues) {
            q.wake();
        }
    }

    /**
     * A snapshot merged into the live database: each listener that follows a table it changed hears
     * {@link ChangeListener#onSnapshotMerged} with the rows changed in its tables.
     *
     * @param rowsChanged rows the merge changed, by table
     */
    public void snapshotMerged(Map<String, Long> rowsChanged) {
        for (ListenerQueue q : queues) {
            long n = q.followedRows(rowsChanged);
            if (n > 0) {
                q.nodeEvent(l -> l.onSnapshotMerged(n));
            }
        }
    }

    /** A node event for every listener. */
    public void nodeEvent(Consumer<ChangeListener> event) {
        for (ListenerQueue q : queues) {
            q.nodeEvent(event);
        }
    }

    /** A message of this node's changes JetStream acknowledged (publisher thread only): its transactions are heard. */
    public void published(ChangeBatch batch) {
        if (!active) {
            chunks.clear();
            return;
        }
        if (batch.chunk() == 0 && !chunks.isEmpty()) {
            publishedChunks(); // a pass that failed mid-group: its acknowledged part is heard as it is
        }
        chunks.add(batch);
        if (batch.last()) {
            publishedChunks();
        }
        flush();
    }

    private void publishedChunks() {
        for (Transaction tx : ChangeBatch.transactions(chunks)) {
            if (!tx.changes().isEmpty()) {
                committed(ChangeEvent.Source.LOCAL, tx.origin(), tx.changes().get(0).version(), tx.changes());
            }
        }
        chunks.clear();
    }

    @Override
    public void close() {
        for (ListenerQueue q : queues) {
            q.close();
        }
        queues.clear();
        active = false;
    }
}
