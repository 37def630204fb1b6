package io.marmot.replication;

import io.marmot.clock.RowMerge;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counters and gauges of one engine, read by tests, {@code stats()}, the sidecar's /metrics and /health. */
public final class ReplicationStats {
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

    /**
     * @param missedMessages messages recorded gone for good (persisted: it survives restarts)
     * @param applyFailures apply attempts that failed (each is read again from the stored positions)
     * @param consecutiveFailures apply attempts failed since the last success
     * @param failingSinceMillis when the applier started failing without a success since, 0 when it is not
     * @param lastApplyError the last failure, empty when the applier is not failing
     * @param backlogMessages messages the streams hold that this node has not handled yet
     * @param backlogMillis age of the oldest message received and waiting to be applied, 0 when none waits
     * @param feedRestarts times a stream was read again because its delivery jumped ahead
     * @param clockOffsetMillis how far this node's clock runs ahead of the NATS server's (negative: behind)
     * @param clockKnown whether the offset was measured yet
     * @param parkedWaiting messages of peers this node could not apply, waiting in {@code __marmot_parked}
     * @param conflicts conflicts recorded in {@code __marmot_conflicts} since start, by kind ({@code update-update},
     *     {@code insert-insert}, {@code delete-update}, {@code unique}); every kind present
     * @param lastVerifiedMillis when this node last compared its data with its peers' (0: never)
     * @param peersAgreeing peers whose data equals this node's at the same stream positions, at the last comparison
     * @param peersDiffering peers whose data differs at the same stream positions (a divergence)
     * @param divergences one sentence per table found different, empty when none
     * @param schemaChangesApplied peers' schema changes applied here
     * @param dropsRefused peers' DROP TABLE / DROP COLUMN not applied here ({@code replicate-drops=false})
     * @param schemaFingerprint digest of this node's replicated schema (empty until computed)
     * @param schemaDisagreement which nodes have another schema, empty when the cluster agrees (or it is not known)
     * @param unversionedUpdates peers' updates of a row present here without any recorded version (applied as if the
     *     row were older than every write; each is logged with its table and key)
     * @param unsendableChanges logged changes whose table has no known shape any more, so were not sent (logged)
     * @param peerAgreement per peer (node id), whether its data equalled this node's at the last comparison made
     * @param rowsFoundDifferent rows repair found different from a peer's, since start
     * @param rowsRepaired rows repair wrote from a peer's row and versions (last-writer-wins decided), since start
     * @param rowsSettled rows repair wrote where versions could not decide (equal versions and other content, rows
     *     without any version), since start
     * @param repairBytes bytes of repair questions and answers this node exchanged while repairing, since start
     * @param lastRoundMillis how long this node's last verification round took (digest, publishing, comparing)
     * @param lastRoundCpuMicros CPU time the last verification round's thread spent (repair not included)
     * @param lastRoundBytes bytes of digests the last verification round wrote and read in the key-value bucket
     * @param lastRoundRowsRead table rows the last verification round read to hash (0 when nothing changed)
     * @param behindMessages messages the streams held for over 5 s that this node has not applied yet (0 when it
     *     keeps up; measured every few seconds against the streams' ends on the server)
     * @param feedStalls times a stream's feed delivered nothing while the stream held more, and was read again
     * @param feedProblem why the node is behind or cannot see the streams' ends, empty when it keeps up
     * @param feedLookDueMillis when the applier is due to compare its feeds with the streams' ends again (0: it does
     *     not, e.g. not connected)
     * @param publishFailingSinceMillis when publishing started failing without a success since, 0 when it is not
     * @param lastPublishError the last publishing failure, empty when publishing is not failing
     * @param setUpFailingSinceMillis when setting up JetStream (streams, node claim) started failing while connected,
     *     0 when it is not
     * @param lastSetUpError the last set-up failure, empty when set-up is not failing
     * @param listenerEventsDropped events change listeners did not get because they fell too far behind (each
     *     listener heard of its own with onGap)
     */
    public record Snapshot(long publishedMessages, long publishedChanges, long appliedMessages, long appliedChanges,
            long staleChanges, long rejectedMessages, long parkedMessages, long missedMessages, long pendingChanges,
            long lastLagMillis, boolean outOfSync, long applyFailures, int consecutiveFailures, long failingSinceMillis, String lastApplyError,
            long backlogMessages, long backlogMillis, long feedRestarts, long clockOffsetMillis, boolean clockKnown, long parkedWaiting,
            Map<String, Long> conflicts, long lastVerifiedMillis, int peersAgreeing, int peersDiffering,
            List<String> divergences, long schemaChangesApplied, long dropsRefused, String schemaFingerprint,
            String schemaDisagreement, long unversionedUpdates, long unsendableChanges, Map<Long, Boolean> peerAgreement,
            long rowsFoundDifferent, long rowsRepaired, long rowsSettled, long repairBytes,
            long lastRoundMillis, long lastRoundCpuMicros, long lastRoundBytes, long lastRoundRowsRead,
            long behindMessages, long feedStalls, String feedProblem, long feedLookDueMillis, long publishFailingSinceMillis,
            String lastPublishError, long setUpFailingSinceMillis, String lastSetUpError, long listenerEventsDropped) {
        /** Whether every node that published a schema fingerprint has this node's. */
        public boolean schemaAgrees() {
            return schemaDisagreement.isEmpty();
        }
    }

    public void verified(int agreeing, int differing, List<String> found, Map<Long, Boolean> agreement) {
        peerAgreement = agreement;
        peersAgreeing = agreeing;
        peersDiffering = differing;
        divergences = found;
        lastVerifiedMillis = System.currentTimeMillis();
    }

    public ReplicationStats() {
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

    public Snapshot snapshot() {
        long waiting = oldestWaitingMillis;
        return new Snapshot(publishedMessages.get(), publishedChanges.get(), appliedMessages.get(), appliedChanges.get(),
                staleChanges.get(), rejectedMessages.get(), parkedMessages.get(), missedMessages.get(),
                pendingChanges.get(), lastLagMillis.get(), outOfSync, applyFailures.get(), consecutiveFailures, failingSinceMillis,
                lastApplyError, backlogMessages.get(), waiting == 0 ? 0 : Math.max(0, System.currentTimeMillis() - waiting),
                feedRestarts.get(), clockOffsetMillis, clockKnown, parkedWaiting.get(), conflictCounts(),
                lastVerifiedMillis, peersAgreeing, peersDiffering, divergences, appliedSchemaChanges.get(),
                refusedDrops.get(), schemaFingerprint, schemaDisagreement, unversionedUpdates.get(),
                unsendableChanges.get(), peerAgreement, rowsFoundDifferent.get(), rowsRepaired.get(), rowsSettled.get(),
                repairBytes.get(), lastRoundMillis, lastRoundCpuMicros, lastRoundBytes, lastRoundRowsRead,
                behindMessages, feedStalls.get(), feedProblem, feedLookDueMillis, publishFailingSinceMillis, lastPublishError,
                setUpFailingSinceMillis, lastSetUpError, listenerEventsDropped.get());
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
