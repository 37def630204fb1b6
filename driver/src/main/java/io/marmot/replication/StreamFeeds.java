package io.marmot.replication;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One feed per stream: an ordered consumer (ephemeral, no acknowledgements, in stream order) started at a given
 * sequence. The server keeps no delivery state for this node; where to read from is always the applier's stored
 * position. Restarting a feed makes every message still queued from its previous one stale.
 */
final class StreamFeeds {
    private static final Logger log = LoggerFactory.getLogger(StreamFeeds.class);

    private final long nodeId;
    private final Consumer<Delivery> sink;
    private final Map<String, Feed> current = new ConcurrentHashMap<>();

    StreamFeeds(long nodeId, Consumer<Delivery> sink) {
        this.nodeId = nodeId;
        this.sink = sink;
    }

    /** One stream's subscription, from {@code from} on. */
    static final class Feed {
        final String stream;
        volatile MessageConsumer consumer;

        Feed(String stream) {
            this.stream = stream;
        }
    }

    /** A message with the feed that brought it. */
    record Delivery(Feed feed, Message message) {
        /** Not a message: wakes the applier to bind its streams at once. */
        static final Delivery WAKE = new Delivery(null, null);
    }

    /** (Re)starts the stream's feed at sequence {@code from}. */
    void start(Connection nc, String stream, long from) throws IOException, JetStreamApiException {
        stop(stream);
        Feed feed = new Feed(stream);
        current.put(stream, feed); // before the first delivery can arrive
        OrderedConsumerConfiguration config = new OrderedConsumerConfiguration()
                .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(Math.max(1, from));
        feed.consumer = nc.getStreamContext(stream).createOrderedConsumer(config)
                .consume(ConsumeOptions.builder().batchSize(1000).build(), m -> sink.accept(new Delivery(feed, m)));
        log.debug("{} - reading stream {} from {}", nodeId, stream, from);
    }

    /** Whether the message came from the stream's current feed (not one replaced since). */
    boolean isCurrent(Delivery d) {
        return d.feed() != null && current.get(d.feed().stream) == d.feed();
    }

    void stop(String stream) {
        Feed old = current.remove(stream);
        if (old != null) {
            close(old);
        }
    }

    void stopAll() {
        for (String stream : current.keySet()) {
            stop(stream);
        }
    }

    private void close(Feed f) {
        MessageConsumer mc = f.consumer;
        if (mc == null) {
            return;
        }
        try {
            mc.close();
        } catch (Exception e) {
            log.debug("{} - stopping the feed of {}: {}", nodeId, f.stream, e.toString());
        }
    }
}
