package io.marmot.engine;

import io.marmot.apply.Applier;
import io.marmot.config.MarmotConfig;
import io.marmot.nats.NatsLink;
import io.marmot.publish.Publisher;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The waits of the cluster lock and of migrations: until this node caught up with the streams, or published its own. */
final class CatchUpWaits {
    private static final Logger log = LoggerFactory.getLogger(CatchUpWaits.class);

    private final long nodeId;
    private final MarmotConfig config;
    private final NatsLink link;
    private final Applier applier;
    private final Publisher publisher;
    private final ReplicationCounters stats;

    CatchUpWaits(long nodeId, MarmotConfig config, NatsLink link, Applier applier, Publisher publisher,
            ReplicationCounters stats) {
        this.nodeId = nodeId;
        this.config = config;
        this.link = link;
        this.applier = applier;
        this.publisher = publisher;
        this.stats = stats;
    }

    /**
     * Waits until this node applied everything the streams hold now (its own messages need nothing): what another
     * node committed and published before this call is then in this database.
     *
     * @throws SQLException when that does not happen within the timeout (NATS away, the applier stuck), saying why
     */
    void caughtUp(Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (applier == null) {
            return; // replicate=false: nothing to catch up with
        }
        Map<String, Long> ends = null;
        while (System.nanoTime() < deadline) {
            io.nats.client.Connection nc = link.connected();
            if (nc != null) {
                try {
                    if (ends == null) {
                        ends = new HashMap<>();
                        for (int shard = 1; shard <= config.streams().shards(); shard++) {
                            String stream = config.streams().streamName(shard);
                            ends.put(stream, nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence());
                        }
                    }
                    boolean caughtUp = true;
                    for (Map.Entry<String, Long> e : ends.entrySet()) {
                        caughtUp &= applier.applied(e.getKey()) >= e.getValue();
                    }
                    if (caughtUp) {
                        return;
                    }
                } catch (IOException | JetStreamApiException e) {
                    log.debug("{} - reading the streams' ends: {}", nodeId, e.toString());
                }
            }
            sleep(20);
        }
        throw new SQLException("node " + nodeId + " did not catch up with the change streams within " + timeout.toMillis()
                + " ms (" + (link.connected() == null ? "NATS is not connected" : "the applier is behind: " + stats.read().lastApplyError())
                + ")", "HYT00");
    }

    /**
     * Waits until JetStream acknowledged every change and schema change this node logged before this call, so that
     * a node catching up next (see {@link #caughtUp}) finds them.
     */
    void published(Duration timeout, java.nio.file.Path database) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long logged;
        try (org.sqlite.SQLiteConnection c = io.marmot.sqlite.Sqlite.open(database);
                java.sql.Statement s = c.createStatement()) {
            try (java.sql.ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + io.marmot.capture.ChangeLog.LOG)) {
                logged = rs.next() ? rs.getLong(1) : 0;
            }
            publisher.wake();
            while (System.nanoTime() < deadline) {
                boolean schemaSent;
                try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM " + io.marmot.schema.SchemaJournal.OUTBOX)) {
                    schemaSent = rs.next() && rs.getLong(1) == 0;
                }
                if (schemaSent && publisher.published().seq() >= logged) {
                    return;
                }
                sleep(20);
            }
        }
        throw new SQLException("node " + nodeId + " could not publish its changes within " + timeout.toMillis() + " ms"
                + (link.connected() == null ? " (NATS is not connected)" : ""), "HYT00");
    }

    private static void sleep(long millis) throws SQLException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting", "HY008", e);
        }
    }
}
