package io.marmot.replication;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What replication did on one node, read at one moment: what {@code MarmotEngine.stats()} returns (all zero when
 * replication is off), and what the sidecar's /metrics and /health and the Spring Boot starter show. Immutable; the
 * engine's parts write {@link ReplicationCounters}, which users never see.
 *
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
 * @param lastVerifiedMillis when this node last compared its data with its peers', or found it unchanged since they
 *     all agreed with it (0: never)
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
 * @param groupsGivenUp transactions split into chunks whose missing chunks never came (each logged with its node and
 *     group): their writer most likely published the rows again in other messages; if not, the rows are missing here
 *     until verification, which compares at its next round after one, repairs them
 * @param nats what went wrong with the NATS connection this node shares with the JVM's other engines
 */
public record ReplicationStats(long publishedMessages, long publishedChanges, long appliedMessages, long appliedChanges,
        long staleChanges, long rejectedMessages, long parkedMessages, long missedMessages, long pendingChanges,
        long lastLagMillis, boolean outOfSync, long applyFailures, int consecutiveFailures, long failingSinceMillis, String lastApplyError,
        long backlogMessages, long backlogMillis, long feedRestarts, long clockOffsetMillis, boolean clockKnown, long parkedWaiting,
        Map<String, Long> conflicts, long lastVerifiedMillis, int peersAgreeing, int peersDiffering,
        List<String> divergences, long schemaChangesApplied, long dropsRefused, String schemaFingerprint,
        String schemaDisagreement, long unversionedUpdates, long unsendableChanges, Map<Long, Boolean> peerAgreement,
        long rowsFoundDifferent, long rowsRepaired, long rowsSettled, long repairBytes,
        long lastRoundMillis, long lastRoundCpuMicros, long lastRoundBytes, long lastRoundRowsRead,
        long behindMessages, long feedStalls, String feedProblem, long feedLookDueMillis, long publishFailingSinceMillis,
        String lastPublishError, long setUpFailingSinceMillis, String lastSetUpError, long listenerEventsDropped,
        long groupsGivenUp, NatsTroubles nats) {
    public ReplicationStats {
        conflicts = Collections.unmodifiableMap(new LinkedHashMap<>(conflicts)); // in the order of the kinds
        divergences = List.copyOf(divergences);
        peerAgreement = Collections.unmodifiableMap(new LinkedHashMap<>(peerAgreement));
    }

    /** Whether every node that published a schema fingerprint has this node's. */
    public boolean schemaAgrees() {
        return schemaDisagreement.isEmpty();
    }
}
