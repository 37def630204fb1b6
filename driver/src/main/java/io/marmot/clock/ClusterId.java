package io.marmot.clock;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Row keys that no two nodes can both pick: a positive 64-bit integer, time-ordered, with the writing node in its
 * bits ({@code marmot_id()}, {@code Marmot.nextId}, the Hibernate generator).
 *
 * <pre>
 *   bit 63      : 0 (ids are positive)
 *   bits 62..22 : 41 bits, milliseconds since 2025-01-01T00:00:00Z (until 2094-09-07)
 *   bits 21..10 : 12 bits, the node id, 1 to 4095
 *   bits  9..0  : 10 bits, a counter: 1,024 ids per millisecond
 * </pre>
 *
 * Two nodes with different ids can never produce the same id, whatever their clocks: the node bits differ. A node id
 * above 4095 does not fit and is refused with an error saying so (it is never folded into the bits, which would let
 * two nodes collide again). While the JVM's {@code MarmotRuntime} is open (until {@code Marmot.closeAll} or exit) the
 * ids of a node only grow: millisecond and counter are one tick, the larger of the last tick + 1 and the wall clock, so
 * a clock stepping back, or more than 1,024 ids in a millisecond, makes the ids run ahead of the clock for a while
 * instead of repeating. Across a restart (or a {@code closeAll}) they start again from the wall clock: a clock set back
 * past the ids of the previous run could give one of them again, which the insert of this node refuses (the key
 * exists) rather than losing a row.
 */
public final class ClusterId {
    /** 2025-01-01T00:00:00Z: the ids' time bits count from here. */
    public static final long EPOCH_MILLIS = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    public static final int COUNTER_BITS = 10;
    public static final int NODE_BITS = 12;
    public static final int TIME_BITS = 41;
    public static final long MAX_NODE = (1L << NODE_BITS) - 1;

    /** The last tick handed out: milliseconds since the epoch shifted left by the counter bits, plus the counter. */
    private final AtomicLong lastTick = new AtomicLong();
    private final LongSupplier clock;

    /**
     * A generator reading {@code clock} (wall-clock milliseconds since 1970). The JVM keeps one per node id (in
     * {@code MarmotRuntime}), as each node of a cluster has its own in its own JVM: two nodes in one JVM (tests, several
     * databases) then give the same tick and only the node bits keep their ids apart, as in production.
     */
    public ClusterId(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * The next id of node {@code nodeId}, larger than every id this generator gave before.
     *
     * @throws IllegalArgumentException when the node id does not fit the 12 node bits
     * @throws IllegalStateException when the clock (or ids run ahead of it) passed the end of the time bits, in 2094
     */
    public long nextId(long nodeId) {
        checkNode(nodeId);
        long now = (clock.getAsLong() - EPOCH_MILLIS) << COUNTER_BITS;
        long tick = lastTick.accumulateAndGet(now, (last, wall) -> Math.max(last + 1, wall));
        long millis = tick >>> COUNTER_BITS;
        if (millis >= 1L << TIME_BITS) {
            throw new IllegalStateException("cluster ids ran out of time bits (41 bits of milliseconds since 2025 end in"
                    + " 2094); check the clock: " + clock.getAsLong());
        }
        return millis << (NODE_BITS + COUNTER_BITS) | nodeId << COUNTER_BITS | (tick & ((1L << COUNTER_BITS) - 1));
    }

    /** The node that generated {@code id}. */
    public static long nodeOf(long id) {
        return (id >>> COUNTER_BITS) & MAX_NODE;
    }

    /** The wall-clock milliseconds (since 1970) {@code id} was generated at, or a little before when ids ran ahead. */
    public static long millisOf(long id) {
        return (id >>> (NODE_BITS + COUNTER_BITS)) + EPOCH_MILLIS;
    }

    /** Refuses node ids outside 1..4095, naming the id and what to do. */
    public static void checkNode(long nodeId) {
        if (nodeId < 1 || nodeId > MAX_NODE) {
            throw new IllegalArgumentException("marmot_id() needs a node-id from 1 to " + MAX_NODE + " (its 12 node bits"
                    + " keep the ids of different nodes apart); this node runs as " + nodeId + ": set node-id=<1.."
                    + MAX_NODE + ">, different on every node, in the URL or DataSource of each node");
        }
    }
}
