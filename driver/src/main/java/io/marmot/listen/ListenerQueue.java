package io.marmot.listen;

import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.SerialTask;
import io.marmot.replication.WorkPools;
import io.marmot.wire.RowChange;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final SerialTask task;
    /** What one delivery step took from the queue (steps run one at a time). */
    private final Object[] taken = new Object[DELIVERIES_PER_STEP];
    /** Of those, how many the listener has not started on yet: they count as queued. */
    private final AtomicInteger inHand = new AtomicInteger();
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
    void transaction(Committed tx) {
        if (tables.isEmpty()) {
            add(tx);
            return;
        }
        List<RowChange> followed = null;
        for (RowChange c : tx.changes()) {
            if (tables.contains(c.table().name())) {
                if (followed == null) {
                    followed = new ArrayList<>();
                }
                followed.add(c);
            }
        }
        if (followed != null) {
            add(followed.size() == tx.changes().size() ? tx : tx.only(followed));
        }
    }

    /** Of the rows changed by table, how many are in the tables this listener follows. */
    long followedRows(Map<String, Long> byTable) {
        long n = 0;
        for (Map.Entry<String, Long> e : byTable.entrySet()) {
            if (tables.isEmpty() || tables.contains(e.getKey())) {
                n += e.getValue();
            }
        }
        return n;
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
        add((Object) event);
        task.wake();
    }

    /** @param delivery a {@link Committed} transaction or a node event, {@code Consumer<ChangeListener>} */
    private void add(Object delivery) {
        synchronized (queue) {
            if (queue.size() + inHand.get() >= capacity) {
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
        int n = 0;
        synchronized (queue) { // taken at once: the writers add while the listener works
            for (Object next; n < taken.length && (next = queue.poll()) != null;) {
                taken[n++] = next;
            }
            if (n < taken.length && dropped > 0) { // dropped at the end: said now, not at the next event
                taken[n++] = gap(dropped);
                dropped = 0;
            }
            inHand.set(n);
        }
        for (int i = 0; i < n; i++) {
            Object next = taken[i];
            taken[i] = null;
            inHand.decrementAndGet();
            try {
                if (next instanceof Committed tx) {
                    listener.onChange(tx.event());
                } else {
                    @SuppressWarnings("unchecked")
                    Consumer<ChangeListener> event = (Consumer<ChangeListener>) next;
                    event.accept(listener);
                }
            } catch (RuntimeException e) {
                log.warn("{} - a change listener ({}) failed (it hears the next events all the same)", nodeId,
                        listener.getClass().getName(), e);
            }
        }
        if (n == taken.length) {
            task.wake(); // more may be waiting: the pool's other tasks get their turn first
        }
    }

    boolean wantsOldValues() {
        return listener.wantsOldValues();
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
