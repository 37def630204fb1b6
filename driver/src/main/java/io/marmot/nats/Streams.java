package io.marmot.nats;

import io.marmot.config.StreamSettings;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the change streams when missing and the node's durable consumers. Uses only what nats-server
 * 2.9 offers. A stream that exists with other settings is used as it is, with a warning naming each
 * difference.
 */
public final class Streams {
    private static final Logger log = LoggerFactory.getLogger(Streams.class);
    public static final int STREAM_NOT_FOUND = 10059;
    private static final int STREAM_NAME_IN_USE = 10058;

    private Streams() {
    }

    static StreamConfiguration wanted(StreamSettings s, int shard) {
        return StreamConfiguration.builder()
                .name(s.streamName(shard))
                .subjects(s.subjects(shard))
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .maxMessages(s.maxEntries())
                .maxBytes(s.maxBytes())
                .maxAge(s.maxAge())
                .replicas(s.replicas())
                .duplicateWindow(Duration.ofMinutes(2))
                .build();
    }

    /** @param looks the start's first look at the streams, shared with its catch-up (see {@link FirstLooks}) */
    public static void ensure(JetStreamManagement jsm, StreamSettings s, long nodeId, FirstLooks looks)
            throws IOException, JetStreamApiException {
        for (int shard = 1; shard <= s.shards(); shard++) {
            StreamConfiguration want = wanted(s, shard);
            StreamInfo info = looks.info(jsm, want.getName(), FirstLooks.For.SET_UP);
            if (info == null) {
                try {
                    jsm.addStream(want);
                    log.info("{} - created stream {} (subjects {}, max {} messages / {} bytes / {}, replicas {})", nodeId,
                            want.getName(), want.getSubjects(), s.maxEntries(), s.maxBytes(), s.maxAge(), s.replicas());
                    continue;
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                        throw e;
                    }
                    info = existing(jsm, want.getName()); // another node created it at the same moment
                }
            }
            List<String> differences = differences(want, info.getConfiguration());
            if (!differences.isEmpty()) {
                log.warn("{} - stream {} exists with other settings, used as it is: {}", nodeId, want.getName(),
                        String.join("; ", differences));
            }
        }
    }

    /** The stream's info, or null when it does not exist. */
    static StreamInfo existing(JetStreamManagement jsm, String name) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(name);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private static List<String> differences(StreamConfiguration want, StreamConfiguration have) {
        List<String> d = new ArrayList<>();
        if (!have.getSubjects().containsAll(want.getSubjects())) {
            d.add("subjects " + have.getSubjects() + " instead of " + want.getSubjects());
        }
        if (have.getMaxMsgs() != want.getMaxMsgs()) {
            d.add("max messages " + have.getMaxMsgs() + " instead of " + want.getMaxMsgs());
        }
        if (have.getMaxBytes() != want.getMaxBytes()) {
            d.add("max bytes " + have.getMaxBytes() + " instead of " + want.getMaxBytes());
        }
        if (!have.getMaxAge().equals(want.getMaxAge())) {
            d.add("max age " + have.getMaxAge() + " instead of " + want.getMaxAge());
        }
        if (have.getReplicas() != want.getReplicas()) {
            d.add("replicas " + have.getReplicas() + " instead of " + want.getReplicas());
        }
        if (have.getStorageType() != want.getStorageType()) {
            d.add("storage " + have.getStorageType() + " instead of " + want.getStorageType());
        }
        return d;
    }
}
