package io.marmot.feed;

import io.marmot.config.StreamSettings;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JetStream stream the change feed is kept in, {@code <stream-prefix>-feed} on the subjects
 * {@code <change-feed>.>}, created when missing with the change streams' limits, so a consumer that starts late
 * reads from the beginning within them.
 */
final class FeedStream {
    private static final Logger log = LoggerFactory.getLogger(FeedStream.class);
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int STREAM_NAME_IN_USE = 10058;

    final String name;
    final String subjectPrefix;
    private final StreamSettings limits;

    FeedStream(StreamSettings limits, String subjectPrefix) {
        this.name = limits.streamPrefix() + "-feed";
        this.subjectPrefix = subjectPrefix;
        this.limits = limits;
    }

    /** The subject of a table's changes; characters a subject token cannot hold become '_'. */
    String subject(String table) {
        return subjectPrefix + "." + table.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** The stream's last sequence and the position its last message carries (the start when it is empty). */
    record Tail(long lastSeq, FeedPosition position) {
    }

    /** Creates the stream when missing; returns where the feed stands. */
    Tail ensure(JetStreamManagement jsm, long nodeId) throws IOException, JetStreamApiException {
        StreamInfo info = existing(jsm);
        if (info == null) {
            try {
                jsm.addStream(StreamConfiguration.builder().name(name).subjects(subjectPrefix + ".>")
                        .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Limits)
                        .maxMessages(limits.maxEntries()).maxBytes(limits.maxBytes()).maxAge(limits.maxAge())
                        .replicas(limits.replicas()).duplicateWindow(Duration.ofMinutes(2)).build());
                log.info("{} - created the change feed's stream {} (subjects {}.>)", nodeId, name, subjectPrefix);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                    throw e;
                }
            }
            info = jsm.getStreamInfo(name);
        }
        List<String> subjects = info.getConfiguration().getSubjects();
        if (!subjects.contains(subjectPrefix + ".>")) {
            throw new IOException("the change feed's stream " + name + " exists with the subjects " + subjects
                    + " instead of " + subjectPrefix + ".> (another change-feed prefix was used before: delete the"
                    + " stream or use the same prefix)");
        }
        long last = info.getStreamState().getLastSequence();
        if (last == 0 || info.getStreamState().getMsgCount() == 0) {
            return new Tail(last, FeedPosition.start());
        }
        MessageInfo m = jsm.getMessage(name, last);
        String position = m.getHeaders() == null ? null : m.getHeaders().getFirst(FeedPosition.HEADER);
        if (position == null) {
            throw new IOException("the last message (" + last + ") of the change feed's stream " + name
                    + " carries no " + FeedPosition.HEADER + " header: something else publishes to " + subjectPrefix
                    + ".>; the feed stops rather than emit changes twice");
        }
        return new Tail(last, FeedPosition.parse(position));
    }

    private StreamInfo existing(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(name);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }
}
