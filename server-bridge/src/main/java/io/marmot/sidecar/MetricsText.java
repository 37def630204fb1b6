package io.marmot.sidecar;

import io.marmot.engine.MarmotEngine;
import io.marmot.replication.ReplicationStats;
import io.marmot.snapshot.SnapshotStats;
import java.util.Map;

/** The sidecar's {@code /metrics} page: the engine's counters in Prometheus' text format. */
final class MetricsText {
    private MetricsText() {
    }

    /** The page for a running engine, or for none ({@code null}: only {@code marmot_up 0}). */
    static String of(MarmotEngine e) {
        boolean ready = e != null;
        StringBuilder b = new StringBuilder(2048);
        String labels = ready ? "{node=\"" + e.nodeId() + "\"}" : "";
        gauge(b, "marmot_up", "1 while the replication engine runs.", labels, ready ? 1 : 0);
        if (ready) {
            ReplicationStats s = e.stats();
            gauge(b, "marmot_nats_connected", "1 while connected to NATS.", labels, e.natsConnected() ? 1 : 0);
            counter(b, "marmot_published_messages_total", "Messages published and acknowledged by JetStream.", labels,
                    s.publishedMessages());
            counter(b, "marmot_published_changes_total", "Row changes published and acknowledged by JetStream.",
                    labels, s.publishedChanges());
            counter(b, "marmot_applied_messages_total", "Messages of other nodes applied.", labels, s.appliedMessages());
            counter(b, "marmot_applied_changes_total", "Row changes of other nodes applied.", labels, s.appliedChanges());
            counter(b, "marmot_stale_changes_total", "Received row changes older than the local version (skipped).",
                    labels, s.staleChanges());
            counter(b, "marmot_rejected_messages_total", "Malformed or unusable messages skipped.", labels,
                    s.rejectedMessages());
            counter(b, "marmot_parked_messages_total", "Messages that could not be applied and were parked.", labels,
                    s.parkedMessages());
            counter(b, "marmot_schema_changes_applied_total", "Schema changes of other nodes applied here.", labels,
                    s.schemaChangesApplied());
            counter(b, "marmot_drops_refused_total", "DROP TABLE / DROP COLUMN of other nodes not applied here"
                    + " (replicate-drops=false).", labels, s.dropsRefused());
            counter(b, "marmot_unversioned_updates_total", "Updates of other nodes to a row present here without any"
                    + " recorded version (applied as if the row were older than every write; logged).", labels,
                    s.unversionedUpdates());
            counter(b, "marmot_unsendable_changes_total", "Logged changes whose table has no known shape any more, not"
                    + " sent (logged).", labels, s.unsendableChanges());
            counter(b, "marmot_missed_messages_total", "Messages recorded gone before this node applied them (kept across"
                    + " restarts until the operator clears them).", labels, s.missedMessages());
            gauge(b, "marmot_pending_changes", "Local row changes not yet acknowledged by JetStream.", labels,
                    s.pendingChanges());
            gauge(b, "marmot_lag_milliseconds", "Age of the last applied change when it was applied.", labels,
                    s.lastLagMillis());
            gauge(b, "marmot_out_of_sync", "1 while messages are recorded missed: the node does not converge.", labels,
                    s.outOfSync() ? 1 : 0);
            counter(b, "marmot_apply_failures_total", "Apply attempts that failed (each read again from the stored"
                    + " positions).", labels, s.applyFailures());
            gauge(b, "marmot_apply_failing", "1 while the applier fails without a success since.", labels,
                    s.failingSinceMillis() != 0 ? 1 : 0);
            gauge(b, "marmot_backlog_messages", "Messages the streams hold that this node has not handled yet.", labels,
                    s.backlogMessages());
            gauge(b, "marmot_backlog_seconds", "Age of the oldest received message waiting to be applied.", labels,
                    s.backlogMillis() / 1000);
            counter(b, "marmot_feed_restarts_total", "Times a stream was read again because its delivery jumped.",
                    labels, s.feedRestarts());
            gauge(b, "marmot_behind_messages", "Messages the streams held over 5 s ago that this node has not applied.",
                    labels, s.behindMessages());
            counter(b, "marmot_feed_stalls_total", "Times a stream's feed delivered nothing while the stream held more,"
                    + " and was read again.", labels, s.feedStalls());
            io.marmot.replication.NatsTroubles t = s.nats();
            counter(b, "marmot_nats_connection_drops_total", "Times the NATS connection this node shares with the JVM's"
                    + " other engines dropped (logged).", labels, t.connectionDrops());
            counter(b, "marmot_nats_slow_consumers_total", "Times the NATS client dropped messages a feed could not take"
                    + " in time (logged; read again).", labels, t.slowConsumers());
            counter(b, "marmot_nats_heartbeat_alarms_total", "Times a feed's consumer missed three heartbeats (logged).",
                    labels, t.heartbeatAlarms());
            counter(b, "marmot_nats_refused_pulls_total", "Pulls of the feeds NATS refused (logged).", labels,
                    t.refusedPulls());
            counter(b, "marmot_nats_servers_left_total", "Times the NATS server connected to said another server of its"
                    + " cluster left (logged; the feeds are looked at often for two minutes).", labels, t.serversLeft());
            counter(b, "marmot_groups_given_up_total", "Transactions in chunks whose missing chunks never came (logged;"
                    + " verification compares at its next round).", labels, s.groupsGivenUp());
            conflicts(b, labels, s.conflicts());
            io.marmot.feed.ChangeFeedStats feed = e.changeFeedStats();
            if (feed != null) { // change-feed set: whether this node emits, and what never reached the feed
                gauge(b, "marmot_change_feed_emitting", "1 while this node emits the cluster's change feed.", labels,
                        feed.emitting() ? 1 : 0);
                counter(b, "marmot_change_feed_missing_messages_total", "Change-stream messages gone before the"
                        + " feed emitted them (their rows are not in the feed).", labels, feed.missingMessages());
                counter(b, "marmot_change_feed_groups_given_up_total", "Transactions in chunks whose missing chunks never"
                        + " came while emitting (logged).", labels, feed.groupsGivenUp());
            }
            gauge(b, "marmot_peers_agreeing", "Peers whose data equals this node's at the same stream positions.",
                    labels, s.peersAgreeing());
            gauge(b, "marmot_peers_differing", "Peers whose data differs from this node's at the same stream positions.",
                    labels, s.peersDiffering());
            gauge(b, "marmot_last_verified_timestamp_seconds", "When this node last compared its data with its peers'.",
                    labels, s.lastVerifiedMillis() / 1000);
            counter(b, "marmot_rows_found_different_total", "Rows repair found different from a peer's.", labels,
                    s.rowsFoundDifferent());
            counter(b, "marmot_rows_repaired_total", "Rows repair wrote from a peer's row with its versions"
                    + " (last-writer-wins decided).", labels, s.rowsRepaired());
            counter(b, "marmot_rows_settled_total", "Rows repair settled by content (equal versions and other content,"
                    + " or rows without any version).", labels, s.rowsSettled());
            if (!s.peerAgreement().isEmpty()) {
                b.append("# HELP marmot_peer_agrees 1 when the peer's data equalled this node's at the last comparison.\n");
                b.append("# TYPE marmot_peer_agrees gauge\n");
                s.peerAgreement().forEach((peer, agrees) -> b.append("marmot_peer_agrees{node=\"").append(e.nodeId())
                        .append("\",peer=\"").append(peer).append("\"} ").append(agrees ? 1 : 0).append('\n'));
            }
            gauge(b, "marmot_parked_waiting", "Messages of other nodes that could not be applied here and wait to be"
                    + " tried again.", labels, s.parkedWaiting());
            gauge(b, "marmot_clock_offset_milliseconds", "How far this node's clock runs ahead of the NATS server's"
                    + " (negative: behind).", labels, s.clockOffsetMillis());
            SnapshotStats.Reading sn = e.snapshotStats();
            counter(b, "marmot_snapshots_taken_total", "Snapshots this node took and stored.", labels, sn.taken());
            counter(b, "marmot_snapshot_failures_total", "Snapshots this node failed to take or store.", labels,
                    sn.failures());
            gauge(b, "marmot_snapshot_last_bytes", "Size of the last snapshot this node took.", labels, sn.lastBytes());
            gauge(b, "marmot_snapshot_last_milliseconds", "Time the last snapshot took to copy and upload.", labels,
                    sn.lastMillis());
            gauge(b, "marmot_snapshot_covering", "1 while the newest snapshot covers every message the streams"
                    + " dropped (a node away longer can heal); 0 when not; -1 before the first check.", labels,
                    sn.covering());
            gauge(b, "marmot_restore_bytes", "Size of the snapshot this node was restored from at start (0: none).",
                    labels, sn.restoredBytes());
            gauge(b, "marmot_restore_rows", "Rows of the snapshot this node was restored from at start.", labels,
                    sn.restoredRows());
            gauge(b, "marmot_restore_milliseconds", "Time the restore at start took (download and checks).", labels,
                    sn.restoreMillis());
            counter(b, "marmot_snapshot_merges_total", "Snapshots merged into the live database to heal a gap.", labels,
                    sn.merges());
            counter(b, "marmot_snapshot_merged_rows_total", "Rows read from snapshots merged into the live database.",
                    labels, sn.mergedRows());
            gauge(b, "marmot_ready", "1 when /health reports ready.", labels, e.health().ready() ? 1 : 0);
        }
        return b.toString();
    }

    /** One counter, a sample per kind (labels joined to the node's). */
    private static void conflicts(StringBuilder b, String labels, Map<String, Long> byKind) {
        String name = "marmot_conflicts_total";
        b.append("# HELP ").append(name).append(" Writes that lost to another node's write (kept in __marmot_conflicts),"
                + " by kind.\n");
        b.append("# TYPE ").append(name).append(" counter\n");
        String inner = labels.isEmpty() ? "" : labels.substring(1, labels.length() - 1) + ",";
        byKind.forEach((kind, n) -> b.append(name).append('{').append(inner).append("kind=\"").append(kind).append("\"} ")
                .append(n).append('\n'));
    }

    private static void counter(StringBuilder b, String name, String help, String labels, long value) {
        metric(b, name, "counter", help, labels, value);
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, long value) {
        metric(b, name, "gauge", help, labels, value);
    }

    private static void metric(StringBuilder b, String name, String type, String help, String labels, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        b.append(name).append(labels).append(' ').append(value).append('\n');
    }
}
