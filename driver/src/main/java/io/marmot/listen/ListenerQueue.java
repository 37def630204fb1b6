package io.marmot.listen;

import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.SerialTask;
import io.marmot.replication.WorkPools;
import io.marmot.wire.RowChange;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's buffer and its delivery task: writers only add to a bounded queue (never waiting for the listener),
 * a {@link SerialTask} on the listener pool hands what is queued to the listener in order. A full queue drops what
 * comes next and counts it; the listener then hears {@link ChangeListener#onGap} in the place of what was dropped.
 */
final class ListenerQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerQueue.class);
    private static final int DELIVERIES_PER_STEP = 256;

    private final long nodeId;
    private final ChangeListener listener;
    private final Set<String> tables;
    private final int capacity;
    private final ReplicationCounters stats;
    private final ArrayDeque<Consumer<ChangeListener>> queue = new ArrayDeque<>();
    private final SerialTask task;
    private long dropped;

    ListenerQueue(long nodeId, ChangeListener listener, Set<String> tables, int capacity, ReplicationCounters stats,
            java.util.concurrent.Executor pool) {
        this.nodeId = nodeId;
        this.listener = listener;
        this.tables = Set.copyOf(tables);
        this.capacity = capacity;
        this.stats = stats;
        this.task = new SerialTask(nodeId + " change listener", pool, this::deliver);
    }

    /** A committed transaction: queued when it changed a followed table; heard after the next {@link #wake}. */
    void transaction(ChangeEvent.Source source, long origin, long version, List<RowChange> changes) {
        List<RowChange> followed = changes;
        if (!tables.isEmpty()) {
            followed = new ArrayList<>();
            for (RowChange c : changes) {
                if (tables.contains(c.table().name())) {
                    followed.add(c);
                }
            }
        }
        if (!followed.isEmpty()) {
            List<RowChange> rows = followed;
            add(l -> l.onChange(new ChangeEvent(origin, version, source, ChangedRows.of(rows))));
        }
    }

    /**
     * Delivers what was queued. Writers call it once per batch they committed, not per transaction: waking the
     * listener's thread for each would cost the applier more than the listener's own work.
     */
    void wake() {
        task.wake();
    }

    /** A node event (conflict, sync, health): queued like a transaction, and delivered. */
    void nodeEvent(Consumer<ChangeListener> event) {
        add(event);
        task.wake();
    }

    private void add(Consumer<ChangeListener> delivery) {
        synchronized (queue) {
            if (queue.size() >= capacity) {
                if (dropped++ == 0) {
                    log.warn("{} - a change listener ({}) is {} events behind: events are dropped until it catches up,"
                            + " then it hears onGap with their count", nodeId, listener.getClass().getName(), capacity);
                }
                stats.listenerEventsDropped.incrementAndGet();
                return;
            }
            if (dropped > 0) {
                queue.add(gap(dropped));
                dropped = 0;
            }
            queue.add(delivery);
        }
    }

    private Consumer<ChangeListener> gap(long n) {
        log.warn("{} - {} events not delivered to a change listener ({}): it hears onGap({}) and should resync",
                nodeId, n, listener.getClass().getName(), n);
        return l -> l.onGap(n);
    }

    private void deliver() {
        for (int i = 0; i < DELIVERIES_PER_STEP; i++) {
            Consumer<ChangeListener> next;
            synchronized (queue) {
                next = queue.poll();
                if (next == null && dropped > 0) { // dropped at the end: said now, not at the next event
                    next = gap(dropped);
                    dropped = 0;
                }
            }
            if (next == null) {
                return;
            }
            try {
                next.accept(listener);
            } catch (RuntimeException e) {
                log.warn("{} - a change listener ({}) failed (it hears the next events all the same)", nodeId,
                        listener.getClass().getName(), e);
            }
        }
        task.wake(); // more is waiting: the pool's other tasks get their turn first
    }

    /** Whether this queue serves {@code l}. */
    boolean serves(ChangeListener l) {
        return listener == l;
    }

    @Override
    public void close() {
        task.stop(1, TimeUnit.SECONDS);
    }
}
