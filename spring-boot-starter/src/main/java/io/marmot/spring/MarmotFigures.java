package io.marmot.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Every figure of {@code stats()} and {@code snapshotStats()}, named after the sidecar's {@code /metrics} series. */
public final class MarmotFigures {
    /** The list, in the sidecar's order. */
    public static final List<MarmotFigure> ALL = build();

    private MarmotFigures() {
    }

    private static List<MarmotFigure> build() {
        List<MarmotFigure> f = new ArrayList<>();
        gauge(f, "marmot.nats.connected", "1 while connected to NATS.", r -> r.engine().natsConnected() ? 1 : 0);
        counter(f, "marmot.published.messages", "Messages published and acknowledged by JetStream.",
                r -> r.stats().publishedMessages());
        counter(f, "marmot.published.changes", "Row changes published and acknowledged by JetStream.",
                r -> r.stats().publishedChanges());
        counter(f, "marmot.applied.messages", "Messages of other nodes applied.", r -> r.stats().appliedMessages());
        counter(f, "marmot.applied.changes", "Row changes of other nodes applied.", r -> r.stats().appliedChanges());
        counter(f, "marmot.stale.changes", "Received row changes older than the local version (skipped).",
                r -> r.stats().staleChanges());
        counter(f, "marmot.rejected.messages", "Malformed or unusable messages skipped.", r -> r.stats().rejectedMessages());
        counter(f, "marmot.parked.messages", "Messages that could not be applied and were parked.",
                r -> r.stats().parkedMessages());
        counter(f, "marmot.schema.changes.applied", "Schema changes of other nodes applied here.",
                r -> r.stats().schemaChangesApplied());
        counter(f, "marmot.drops.refused", "DROP TABLE / DROP COLUMN of other nodes not applied here.",
                r -> r.stats().dropsRefused());
        counter(f, "marmot.unversioned.updates", "Updates of other nodes to a row present here without a recorded version.",
                r -> r.stats().unversionedUpdates());
        counter(f, "marmot.unsendable.changes", "Logged changes whose table has no known shape any more, not sent.",
                r -> r.stats().unsendableChanges());
        counter(f, "marmot.missed.messages", "Messages recorded gone before this node applied them.",
                r -> r.stats().missedMessages());
        gauge(f, "marmot.pending.changes", "Local row changes not yet acknowledged by JetStream.",
                r -> r.stats().pendingChanges());
        gauge(f, "marmot.lag.milliseconds", "Age of the last applied change when it was applied.",
                r -> r.stats().lastLagMillis());
        gauge(f, "marmot.out.of.sync", "1 while messages are recorded missed: the node does not converge.",
                r -> r.stats().outOfSync() ? 1 : 0);
        counter(f, "marmot.apply.failures", "Apply attempts that failed.", r -> r.stats().applyFailures());
        counter(f, "marmot.listener.events.dropped", "Events change listeners did not get because they fell too far"
                + " behind (each heard onGap).", r -> r.stats().listenerEventsDropped());
        counter(f, "marmot.groups.given.up", "Transactions in chunks whose missing chunks never came (logged).",
                r -> r.stats().groupsGivenUp());
        gauge(f, "marmot.apply.failing", "1 while the applier fails without a success since.",
                r -> r.stats().failingSinceMillis() != 0 ? 1 : 0);
        gauge(f, "marmot.backlog.messages", "Messages the streams hold that this node has not handled yet.",
                r -> r.stats().backlogMessages());
        gauge(f, "marmot.backlog.seconds", "Age of the oldest received message waiting to be applied.",
                r -> r.stats().backlogMillis() / 1000.0);
        counter(f, "marmot.feed.restarts", "Times a stream was read again because its delivery jumped.",
                r -> r.stats().feedRestarts());
        counter(f, "marmot.nats.connection.drops", "Times the NATS connection this node shares with the JVM's other"
                + " engines dropped (logged).", r -> r.stats().nats().connectionDrops());
        counter(f, "marmot.nats.slow.consumers", "Times the NATS client dropped messages a feed could not take in time.",
                r -> r.stats().nats().slowConsumers());
        counter(f, "marmot.nats.heartbeat.alarms", "Times a feed's consumer missed three heartbeats (logged).",
                r -> r.stats().nats().heartbeatAlarms());
        counter(f, "marmot.nats.refused.pulls", "Pulls of the feeds NATS refused (logged).",
                r -> r.stats().nats().refusedPulls());
        counter(f, "marmot.nats.servers.left", "Times the NATS server connected to said another server of its cluster"
                + " left (logged).", r -> r.stats().nats().serversLeft());
        gauge(f, "marmot.peers.agreeing", "Peers whose data equals this node's at the same stream positions.",
                r -> r.stats().peersAgreeing());
        gauge(f, "marmot.peers.differing", "Peers whose data differs from this node's at the same stream positions.",
                r -> r.stats().peersDiffering());
        gauge(f, "marmot.last.verified.timestamp.seconds", "When this node last compared its data with its peers'.",
                r -> r.stats().lastVerifiedMillis() / 1000.0);
        counter(f, "marmot.rows.found.different", "Rows repair found different from a peer's.",
                r -> r.stats().rowsFoundDifferent());
        counter(f, "marmot.rows.repaired", "Rows repair wrote from a peer's row with its versions.",
                r -> r.stats().rowsRepaired());
        counter(f, "marmot.rows.settled", "Rows repair settled by content.", r -> r.stats().rowsSettled());
        gauge(f, "marmot.parked.waiting", "Messages of other nodes that could not be applied here and wait.",
                r -> r.stats().parkedWaiting());
        gauge(f, "marmot.clock.offset.milliseconds", "How far this node's clock runs ahead of the NATS server's.",
                r -> r.stats().clockOffsetMillis());
        counter(f, "marmot.snapshots.taken", "Snapshots this node took and stored.", r -> r.snapshots().taken());
        counter(f, "marmot.snapshot.failures", "Snapshots this node failed to take or store.", r -> r.snapshots().failures());
        gauge(f, "marmot.snapshot.last.bytes", "Size of the last snapshot this node took.", r -> r.snapshots().lastBytes());
        gauge(f, "marmot.snapshot.last.milliseconds", "Time the last snapshot took to copy and upload.",
                r -> r.snapshots().lastMillis());
        gauge(f, "marmot.snapshot.covering", "1 while the newest snapshot covers every message the streams dropped;"
                + " 0 when not; -1 before the first check.", r -> r.snapshots().covering());
        gauge(f, "marmot.restore.bytes", "Size of the snapshot this node was restored from at start (0: none).",
                r -> r.snapshots().restoredBytes());
        gauge(f, "marmot.restore.rows", "Rows of the snapshot this node was restored from at start.",
                r -> r.snapshots().restoredRows());
        gauge(f, "marmot.restore.milliseconds", "Time the restore at start took.", r -> r.snapshots().restoreMillis());
        counter(f, "marmot.snapshot.merges", "Snapshots merged into the live database to heal a gap.",
                r -> r.snapshots().merges());
        counter(f, "marmot.snapshot.merged.rows", "Rows read from snapshots merged into the live database.",
                r -> r.snapshots().mergedRows());
        gauge(f, "marmot.ready", "1 when health() reports ready.", r -> r.engine().health().ready() ? 1 : 0);
        // Figures of stats() the sidecar's /metrics leaves out, under names in the same style.
        gauge(f, "marmot.apply.consecutive.failures", "Apply attempts failed since the last success.",
                r -> r.stats().consecutiveFailures());
        gauge(f, "marmot.clock.known", "1 once the clock offset to the NATS server was measured.",
                r -> r.stats().clockKnown() ? 1 : 0);
        gauge(f, "marmot.schema.agrees", "1 while every node that published a schema fingerprint has this node's.",
                r -> r.stats().schemaAgrees() ? 1 : 0);
        counter(f, "marmot.repair.bytes", "Bytes repair exchanged with peers.", r -> r.stats().repairBytes());
        gauge(f, "marmot.verification.last.round.milliseconds", "How long the last verification round took.",
                r -> r.stats().lastRoundMillis());
        gauge(f, "marmot.verification.last.round.cpu.microseconds", "CPU time of the last verification round's thread.",
                r -> r.stats().lastRoundCpuMicros());
        gauge(f, "marmot.verification.last.round.bytes", "Bytes of digests the last verification round wrote and read.",
                r -> r.stats().lastRoundBytes());
        gauge(f, "marmot.verification.last.round.rows.read", "Table rows the last verification round read to hash.",
                r -> r.stats().lastRoundRowsRead());
        gauge(f, "marmot.snapshot.last.taken.timestamp.seconds", "When this node last took a snapshot (0: never).",
                r -> r.snapshots().lastTakenAtMillis() / 1000.0);
        gauge(f, "marmot.restore.refused", "Snapshots refused (corrupt, truncated) before the one restored at start.",
                r -> r.snapshots().restoreRefused());
        gauge(f, "marmot.snapshot.merge.last.milliseconds", "Time the last snapshot merge took.",
                r -> r.snapshots().mergeMillis());
        return List.copyOf(f);
    }

    private static void counter(List<MarmotFigure> f, String name, String description, ToDoubleFunction<MarmotFigure.Reading> v) {
        f.add(new MarmotFigure(name, description, true, v));
    }

    private static void gauge(List<MarmotFigure> f, String name, String description, ToDoubleFunction<MarmotFigure.Reading> v) {
        f.add(new MarmotFigure(name, description, false, v));
    }
}
