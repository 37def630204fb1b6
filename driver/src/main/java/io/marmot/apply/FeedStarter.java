package io.marmot.apply;

import io.marmot.config.MarmotConfig;
import io.marmot.publish.OwnMessages;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the applier's feeds, always from what this database has handled: every stream after its stored position
 * once its identity is checked (a recreated stream or messages gone are recorded first), and a feed that jumped
 * ahead right after what was handled.
 */
final class FeedStarter {
    private static final Logger log = LoggerFactory.getLogger(FeedStarter.class);
    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    private final OwnMessages own;
    private final OwnHistory history;
    private final ApplierConnection db;
    private final StreamFeeds feeds;
    private final StreamProgress progress;
    private final StreamBinder binder;

    FeedStarter(long nodeId, MarmotConfig config, ReplicationCounters stats, OwnMessages own, OwnHistory history,
            ApplierConnection db, StreamFeeds feeds, StreamProgress progress) {
        this.nodeId = nodeId;
        this.config = config;
        this.stats = stats;
        this.own = own;
        this.history = history;
        this.db = db;
        this.feeds = feeds;
        this.progress = progress;
        this.binder = new StreamBinder(nodeId);
    }

    /** Binds every stream: checks its identity against the stored position, records what is gone, starts its feed. */
    void bindAll(Connection nc) throws IOException, JetStreamApiException, SQLException {
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        feeds.stopAll();
        feeds.clear();
        Map<String, StreamPosition> stored = db.writes().storedPositions();
        JetStreamManagement jsm = nc.jetStreamManagement();
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            String stream = config.streams().streamName(shard);
            StreamPosition from = progress.bindFrom(stream, stored.getOrDefault(stream, StreamPosition.NONE));
            StreamCheck.Decision d = binder.check(jsm, stream, from);
            if (d.recreated()) {
                own.forgetStream(stream);
            }
            history.bound(db.db(), stream, d.position().created(), d.last());
            if (d.recreated() || !d.gaps().isEmpty()) {
                db.writes().rebound(stream, d);
            }
            progress.bound(stream, d.position(), d.resumeAt());
            feeds.start(nc, stream, d.resumeAt());
        }
        log.info("{} - applying changes from {} stream(s)", nodeId, config.streams().shards());
    }

    /**
     * Feeds that jumped ahead start again right after what was handled (and before groups still waiting).
     *
     * @return the streams whose feed started again
     */
    List<String> restartJumped(Connection nc) throws IOException, JetStreamApiException {
        if (progress.toRestart().isEmpty() || nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            return List.of();
        }
        List<String> restarted = new ArrayList<>();
        for (String stream : new ArrayList<>(progress.toRestart())) {
            feeds.start(nc, stream, progress.restart(stream));
            stats.feedRestarts.incrementAndGet();
            restarted.add(stream);
        }
        return restarted;
    }
}
