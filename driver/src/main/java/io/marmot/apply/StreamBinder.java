package io.marmot.apply;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Instant;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the server what a stream holds now and decides, from the stored position, where to read it (StreamCheck). */
final class StreamBinder {
    private static final Logger log = LoggerFactory.getLogger(StreamBinder.class);
    private static final int NOT_FOUND = 404;

    private final long nodeId;

    StreamBinder(long nodeId) {
        this.nodeId = nodeId;
    }

    StreamCheck.Decision check(JetStreamManagement jsm, String stream, StreamPosition from)
            throws IOException, JetStreamApiException {
        StreamInfo info = jsm.getStreamInfo(stream);
        StreamCheck.Observed observed = new StreamCheck.Observed(info.getStreamState().getFirstSequence(),
                info.getStreamState().getLastSequence(), nanos(info.getCreateTime()));
        StreamCheck.Decision d = StreamCheck.onBind(from, observed, from.seq() == 0 ? null : stampAt(jsm, stream, from.seq()));
        if (d.recreated()) {
            log.warn("{} - stream {} was deleted and created anew since this node read it up to {}: reading it from"
                    + " its beginning", nodeId, stream, from.seq());
        }
        if (from.seq() > 0) {
            dropLegacyConsumer(jsm, stream);
        }
        return d;
    }

    /** The server's timestamp of the message at seq, or null when the stream holds no message there. */
    private static Long stampAt(JetStreamManagement jsm, String stream, long seq) throws IOException, JetStreamApiException {
        try {
            return nanos(jsm.getMessage(stream, seq).getTime());
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Earlier versions read through a durable consumer: it would hold its messages on the server for nothing. Asked
     * only of a database that read this stream before (a stored position; those versions stored one too): a new
     * database never had one, and a thousand opening at once asked the server a thousand times for nothing.
     */
    private void dropLegacyConsumer(JetStreamManagement jsm, String stream) throws IOException {
        try {
            if (jsm.deleteConsumer(stream, "marmot-node-" + nodeId)) {
                log.info("{} - removed the durable consumer of an earlier version from {}", nodeId, stream);
            }
        } catch (JetStreamApiException e) {
            // none there: the common case
        }
    }

    /** Epoch nanoseconds, 0 for none. */
    static long nanos(ZonedDateTime t) {
        if (t == null) {
            return 0;
        }
        Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** When the server stored the message, in milliseconds since the epoch. */
    static long millis(io.nats.client.Message m) {
        return nanos(m.metaData().timestamp()) / 1_000_000L;
    }
}
