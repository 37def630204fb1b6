package io.marmot.replication;

import io.marmot.clock.RowMerge;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters and gauges of one engine, written by its parts (publisher, applier, verifier, listeners, ...); users
 * see only their immutable reading, {@link ReplicationStats} ({@code stats()}). Public because the engine's packages
 * write it; not API.
 */
public final class ReplicationCounters {
    public final AtomicLong publishedMessages = new AtomicLong();
    public final AtomicLong publishedChanges = new AtomicLong();
    public final AtomicLong appliedMessages = new AtomicLong();
    public final AtomicLong appliedChanges = new AtomicLong();
    public final AtomicLong staleChanges = new AtomicLong();
    public final AtomicLong rejectedMessages = new AtomicLong();
    public final AtomicLong parkedMessages = new AtomicLong();
    public final AtomicLong missedMessages = new AtomicLong();
    public final AtomicLong pendingChanges = new AtomicLong();
    public final AtomicLong lastLagMillis = new AtomicLong();
    final AtomicLong applyFailures = new AtomicLong();
    public final AtomicLong feedRestarts = new AtomicLong();
    public final AtomicLong feedStalls = new AtomicLong();
    public final AtomicLong listenerEventsDropped = new AtomicLong();
    public final AtomicLong groupsGivenUp = new AtomicLong();
    public volatile long behindMessages;
    public volatile String feedProblem = "";
    public volatile long feedLookDueMillis;
    volatile long publishFailingSinceMillis;
    volatile String lastPublishError = "";
    volatile long setUpFailingSinceMillis;
    volatile String lastSetUpError = "";
    public final AtomicLong backlogMessages = new AtomicLong();
    public final AtomicLong parkedWaiting = new AtomicLong();
    private final Map<RowMerge.Kind, AtomicLong> conflicts = new EnumMap<>(RowMerge.Kind.class);
    public final AtomicLong appliedSchemaChanges = new AtomicLong();
    public final AtomicLong refusedDrops = new AtomicLong();
    public final AtomicLong unversionedUpdates = new AtomicLong();
    public final AtomicLong unsendableChanges = new AtomicLong();
    public volatile long oldestWaitingMillis;
    public volatile int consecutiveFailures;
    volatile long failingSinceMillis;
    volatile String lastApplyError = "";
    public volatile boolean outOfSync;
    public volatile long clockOffsetMillis;
    public volatile boolean clockKnown;
    volatile long lastVerifiedMillis;
    volatile int peersAgreeing;
    volatile int peersDiffering;
    public volatile List<String> divergences = List.of();
    volatile Map<Long, Boolean> peerAgreement = Map.of();
    final AtomicLong rowsFoundDifferent = new AtomicLong();
    final AtomicLong rowsRepaired = new AtomicLong();
    final AtomicLong rowsSettled = new AtomicLong();
    final AtomicLong repairBytes = new AtomicLong();
    public volatile long lastRoundMillis;
    public volatile long lastRoundCpuMicros;
    public volatile long lastRoundBytes;
    public volatile long lastRoundRowsRead;
    public volatile String schemaFingerprint = "";
    public volatile String schemaDisagreement = "";

    public void verified(int agreeing, int differing, List<String> found, Map<Long, Boolean> agreement) {
        peerAgreement = agreement;
        peersAgreeing = agreeing;
        peersDiffering = differing;
        divergences = found;
        lastVerifiedMillis = System.currentTimeMillis();
    }

    /** A round found this node's data unchanged since every peer agreed with it: the agreement stands. */
    public void stillAgreeing() {
        lastVerifiedMillis = System.currentTimeMillis();
    }

    /**
     * Grows whenever this node saw its streams move: a message published here, or a peer's handled (applied, parked,
     * rejected, stale or recorded missed, a schema change applied or refused). Periodic looks at the streams and at the
     * peers' entries skip while it stands still.
     */
    public long streamMoves() {
        return publishedMessages.get() + appliedMessages.get() + parkedMessages.get() + rejectedMessages.get()
                + missedMessages.get() + staleChanges.get() + appliedSchemaChanges.get() + refusedDrops.get();
    }

    public ReplicationCounters() {
        for (RowMerge.Kind k : RowMerge.Kind.values()) {
            conflicts.put(k, new AtomicLong());
        }
    }

    public void conflict(RowMerge.Kind kind) {
        conflicts.get(kind).incrementAndGet();
    }

    private Map<String, Long> conflictCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        conflicts.forEach((k, n) -> m.put(k.label, n.get()));
        return Collections.unmodifiableMap(m);
    }

    /** What the counters say now, without the connection's troubles. */
    public ReplicationStats read() {
        return read(NatsTroubles.NONE);
    }

    /** What the counters say now, with what went wrong with the NATS connection. */
    public ReplicationStats read(NatsTroubles nats) {
        long waiting = oldestWaitingMillis;
        return new ReplicationStats(publishedMessages.get(), publishedChanges.get(), appliedMessages.get(), appliedChanges.get(),
                staleChanges.get(), rejectedMessages.get(), parkedMessages.get(), missedMessages.get(),
                pendingChanges.get(), lastLagMillis.get(), outOfSync, applyFailures.get(), consecutiveFailures, failingSinceMillis,
                lastApplyError, backlogMessages.get(), waiting == 0 ? 0 : Math.max(0, System.currentTimeMillis() - waiting),
                feedRestarts.get(), clockOffsetMillis, clockKnown, parkedWaiting.get(), conflictCounts(),
                lastVerifiedMillis, peersAgreeing, peersDiffering, divergences, appliedSchemaChanges.get(),
                refusedDrops.get(), schemaFingerprint, schemaDisagreement, unversionedUpdates.get(),
                unsendableChanges.get(), peerAgreement, rowsFoundDifferent.get(), rowsRepaired.get(), rowsSettled.get(),
                repairBytes.get(), lastRoundMillis, lastRoundCpuMicros, lastRoundBytes, lastRoundRowsRead,
                behindMessages, feedStalls.get(), feedProblem, feedLookDueMillis, publishFailingSinceMillis, lastPublishError,
                setUpFailingSinceMillis, lastSetUpError, listenerEventsDropped.get(), groupsGivenUp.get(), nats);
    }

    public void repaired(long different, long repaired, long settled, long bytes) {
        repairBytes.addAndGet(bytes);
        rowsFoundDifferent.addAndGet(different);
        rowsRepaired.addAndGet(repaired);
        rowsSettled.addAndGet(settled);
    }

    public void applyFailed(Throwable e) {
        applyFailures.incrementAndGet();
        if (consecutiveFailures++ == 0) {
            failingSinceMillis = System.currentTimeMillis();
        }
        lastApplyError = e.toString();
    }

    public void publishFailed(Throwable e) {
        if (publishFailingSinceMillis == 0) {
            publishFailingSinceMillis = System.currentTimeMillis();
        }
        lastPublishError = e.toString();
    }

    public void publishSucceeded() {
        publishFailingSinceMillis = 0;
        lastPublishError = "";
    }

    public void setUpFailed(Throwable e) {
        if (setUpFailingSinceMillis == 0) {
            setUpFailingSinceMillis = System.currentTimeMillis();
        }
        lastSetUpError = e.toString();
    }

    public void setUpSucceeded() {
        setUpFailingSinceMillis = 0;
        lastSetUpError = "";
    }

    public void applySucceeded() {
        if (consecutiveFailures != 0) {
            consecutiveFailures = 0;
            failingSinceMillis = 0;
            lastApplyError = "";
        }
    }
}
