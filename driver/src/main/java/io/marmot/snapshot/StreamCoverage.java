package io.marmot.snapshot;

import io.marmot.config.MarmotConfig;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the streams have moved past the newest snapshot: whether one is due because a stream grew by half its
 * limits, and whether the newest still covers what the streams dropped ({@code marmot_snapshot_covering}).
 */
final class StreamCoverage {
    private static final Logger log = LoggerFactory.getLogger(StreamCoverage.class);

    private final MarmotConfig config;
    private final long nodeId;
    private final SnapshotStats stats;
    private boolean warnedUncovered;

    StreamCoverage(MarmotConfig config, long nodeId, SnapshotStats stats) {
        this.config = config;
        this.nodeId = nodeId;
        this.stats = stats;
    }

    /** Whether a stream grew by half its limits since the newest snapshot; updates the coverage figure. */
    boolean check(Connection nc, Manifest newest) throws IOException, JetStreamApiException {
        boolean grown = false;
        boolean covering = true;
        String uncovered = "";
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            String stream = config.streams().streamName(shard);
            StreamInfo info;
            try {
                info = nc.jetStreamManagement().getStreamInfo(stream);
            } catch (JetStreamApiException missing) {
                continue;
            }
            long first = info.getStreamState().getFirstSequence();
            long last = info.getStreamState().getLastSequence();
            long msgs = info.getStreamState().getMsgCount();
            long at = newest == null ? 0 : newest.seq(stream);
            long since = Math.max(0, last - at);
            long maxMsgs = info.getConfiguration().getMaxMsgs() > 0 ? info.getConfiguration().getMaxMsgs()
                    : config.streams().maxEntries();
            long maxBytes = info.getConfiguration().getMaxBytes() > 0 ? info.getConfiguration().getMaxBytes()
                    : config.streams().maxBytes();
            long bytesSince = msgs == 0 ? 0 : (long) (info.getStreamState().getByteCount() * (Math.min(since, msgs) / (double) msgs));
            grown |= since > 0 && (since * 2 >= maxMsgs || bytesSince * 2 >= maxBytes);
            if (first > at + 1 && last >= first) {
                covering = false;
                uncovered = stream + " holds messages from " + first + ", the newest snapshot reflects it up to " + at;
            }
        }
        stats.covering = covering ? 1 : 0;
        if (!covering && !warnedUncovered) {
            log.warn("{} - the newest snapshot no longer covers what the streams dropped ({}): a node away that long"
                    + " cannot heal by itself. Take snapshots more often (snapshot-interval) or keep more messages"
                    + " (max-log-entries, max-log-bytes).", nodeId, uncovered);
        }
        warnedUncovered = !covering;
        return grown;
    }
}
