package io.marmot.apply;

import io.marmot.nats.NatsLink;
import io.marmot.replication.FeedBuffers;
import io.marmot.replication.MarmotRuntime;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.MessageHandler;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One feed per stream: an ordered consumer (ephemeral, no acknowledgements, in stream order) started at a given
 * sequence. The server keeps no delivery state for this node; where to read from is always the applier's stored
 * position. Restarting a feed makes every message still buffered from its previous one stale.
 *
 * <p>Every feed of the JVM is delivered by the one dispatcher thread of its NATS connection, which only appends the
 * message to its engine's buffer and wakes the applier: no thread per feed, and no engine can hold up another's
 * deliveries. The buffer is bounded instead by pausing: a feed that finds it full stops its consumer and drops
 * what that consumer still delivers; once the applier drained the buffer, the feed goes on with a new consumer
 * from right after the last message it buffered (the stream cursor tells a gap there as a jump and reads again).
 */
final class StreamFeeds {
    private static final Logger log = LoggerFactory.getLogger(StreamFeeds.class);
    /** Messages one engine may hold before its feeds pause. */
    static final int PAUSE_AT_MESSAGES = 10_000;
    static final long PAUSE_AT_BYTES = 8L << 20;
    /** All engines of the JVM together: a thousand databases catching up at once must not fill the heap. */
    static final long PAUSE_ALL_AT_BYTES = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8);
    /** Below this an engine keeps reading whatever the others hold, so each makes progress. */
    private static final int ALWAYS_ALLOWED_MESSAGES = 256;
    /**
     * Messages one feed keeps in flight, 8 to 16 (a pull for 8 more once half of them arrived): under NATS's 1 MiB
     * each, so under 16 MiB, a quarter of nats-server's max_pending (64 MiB), past which it cuts a connection as a slow
     * consumer (a pull of 1,000 chunks of up to 768 KiB put hundreds of megabytes in flight, and the connection dropped
     * again and again); and what a feed pausing for its full buffer drops, to read it again later (32 in flight made a
     * slow peer's feeds read each large message 1.5 times, LargeTransactionTest). Bounded by count only: with a byte
     * bound as well, jnats 2.26 went on counting the unused bytes of pulls that had ended as pending, its next pulls
     * asked for less than one large message, and nats-server answered each with "409 Message Size Exceeds MaxBytes",
     * about 100,000 times in ten seconds, while the feed delivered nothing until the {@link FeedWatchdog} read it
     * again (PullBudgetTest).
     */
    static final int PULL_MESSAGES = 16;
    /**
     * How long a pull waits for messages before the next is sent, and so (at half of it, capped at 30 s by the client)
     * how often the server sends an idle feed's heartbeat. The client's 30 s (15 s heartbeats) cost nats-server a pull
     * and two heartbeats a minute per database, 100 messages a second for a thousand idle ones; 60 s halved the pulls
     * (15 a second for a thousand, as many as all their other idle looks together), five minutes leaves one in five; the
     * heartbeats stay every 30 s, and a pull the server lost is asked again after three of them missed. A feed that
     * stops delivering is caught by the {@link FeedWatchdog}, not by missed heartbeats.
     */
    static final long PULL_EXPIRES_MILLIS = 300_000;
    /**
     * How long the server may take to answer for a feed's new consumer (the stream's lookup and the consumer's
     * creation). nats-server 2.9 places a consumer of one replica on any server of the stream at random, one just
     * killed included: that creation is never answered, and at the client's default of 5 s three such placements in a
     * row held a node's feed back 15 s beyond the death (ConsumerHostKilledTest failed, 40 s). Answered creations take
     * milliseconds; the next attempt (after 100 ms, then doubling) lands on a live server with two chances in three.
     */
    static final Duration CREATE_TIMEOUT = Duration.ofSeconds(2);
    private static final JetStreamOptions CREATING = JetStreamOptions.builder().requestTimeout(CREATE_TIMEOUT).build();

    private final long nodeId;
    private final NatsLink link;
    private final Runnable onArrival;
    private final FeedBuffers inJvm;
    private final Map<String, Feed> current = new ConcurrentHashMap<>();
    private final Queue<Delivery> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicLong bufferedBytes = new AtomicLong();

    /** @param onArrival called on the dispatcher thread after a message was buffered: must not block */
    StreamFeeds(long nodeId, NatsLink link, Runnable onArrival, FeedBuffers inJvm) {
        this.nodeId = nodeId;
        this.inJvm = inJvm;
        this.link = link;
        this.onArrival = onArrival;
    }

    /** One stream's subscription, from {@code from} on; it survives pauses, not restarts. */
    static final class Feed {
        final String stream;
        /** The consumer whose messages are buffered; null while paused or stopped. */
        volatile Reader live;
        /** The newest consumer, live or paused: closed when the feed goes on or stops. */
        volatile Reader latest;
        volatile long resumeAt;

        Feed(String stream) {
            this.stream = stream;
        }
    }

    /** A message with the feed that brought it. */
    record Delivery(Feed feed, Message message) {
    }

    /** One consumer of a feed: buffers what it delivers while it is the feed's live one. */
    private final class Reader implements MessageHandler {
        final Feed feed;
        volatile MessageConsumer consumer;

        Reader(Feed feed) {
            this.feed = feed;
        }

        @Override
        public void onMessage(Message m) {
            if (feed.live != this) {
                return; // a paused or replaced consumer's leftovers: read again from the resume point
            }
            int bytes = m.getData() == null ? 0 : m.getData().length;
            buffer.add(new Delivery(feed, m));
            int count = buffered.incrementAndGet();
            long size = bufferedBytes.addAndGet(bytes);
            long all = inJvm.add(bytes);
            if (count >= PAUSE_AT_MESSAGES || size >= PAUSE_AT_BYTES
                    || (all >= PAUSE_ALL_AT_BYTES && count >= ALWAYS_ALLOWED_MESSAGES)) {
                feed.resumeAt = m.metaData().streamSequence() + 1;
                feed.live = null;
                stopQuietly(consumer); // no more pulls; what is in flight is dropped above
                inJvm.paused();
                log.debug("{} - {} messages wait to be applied: reading {} pauses before {}", nodeId, count, feed.stream,
                        feed.resumeAt);
            }
            onArrival.run();
        }
    }

    /** How often feeds of this JVM paused for a full buffer (for tests). */
    static long pauses() {
        return MarmotRuntime.get().feedBuffers().pauses();
    }

    /** (Re)starts the stream's feed at sequence {@code from}. */
    void start(Connection nc, String stream, long from) throws IOException, JetStreamApiException {
        stop(stream);
        Feed feed = new Feed(stream);
        current.put(stream, feed); // before the first delivery can arrive
        read(nc, feed, from);
        log.debug("{} - reading stream {} from {}", nodeId, stream, from);
    }

    private void read(Connection nc, Feed feed, long from) throws IOException, JetStreamApiException {
        Reader previous = feed.latest;
        if (previous != null) {
            close(feed, previous.consumer);
        }
        Reader reader = new Reader(feed);
        feed.latest = reader;
        feed.live = reader;
        OrderedConsumerConfiguration config = new OrderedConsumerConfiguration()
                .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(Math.max(1, from));
        reader.consumer = nc.getStreamContext(feed.stream, CREATING).createOrderedConsumer(config)
                .consume(ConsumeOptions.builder().batchSize(PULL_MESSAGES).thresholdPercent(50).expiresIn(PULL_EXPIRES_MILLIS)
                        .raiseStatusWarnings() // a pull refused for its size is a warning, silent without this
                        .build(), link.dispatcher(), reader);
        if (feed.live != reader) {
            stopQuietly(reader.consumer); // paused (or stopped) before the consumer was known
        }
    }

    /** Paused feeds go on once the buffer was drained (to half); call from the applier. */
    void resumeIfDrained(Connection nc) throws IOException, JetStreamApiException {
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        int count = buffered.get();
        boolean drained = count == 0 || (count < PAUSE_AT_MESSAGES / 2 && bufferedBytes.get() < PAUSE_AT_BYTES / 2
                && (count < ALWAYS_ALLOWED_MESSAGES || inJvm.bytes() < PAUSE_ALL_AT_BYTES * 3 / 4));
        if (!drained) {
            return;
        }
        for (Feed feed : current.values()) {
            if (feed.live == null && current.get(feed.stream) == feed) {
                log.debug("{} - reading {} again from {}", nodeId, feed.stream, feed.resumeAt);
                read(nc, feed, feed.resumeAt);
            }
        }
    }

    /** The name of the stream's live consumer, or null while there is none (paused, stopped, being created). */
    String consumerName(String stream) {
        Feed feed = current.get(stream);
        Reader reader = feed == null ? null : feed.live;
        MessageConsumer consumer = reader == null ? null : reader.consumer;
        return consumer == null ? null : consumer.getConsumerName();
    }

    /** Takes up to {@code max} buffered messages, oldest first. */
    void drainTo(List<Delivery> into, int max) {
        for (int i = 0; i < max; i++) {
            Delivery d = buffer.poll();
            if (d == null) {
                return;
            }
            taken(d);
            into.add(d);
        }
    }

    /** The oldest buffered message, or null. */
    Delivery peek() {
        return buffer.peek();
    }

    /** Forgets every buffered message (they are read again from the stored positions). */
    void clear() {
        for (Delivery d = buffer.poll(); d != null; d = buffer.poll()) {
            taken(d);
        }
    }

    private void taken(Delivery d) {
        int bytes = d.message().getData() == null ? 0 : d.message().getData().length;
        buffered.decrementAndGet();
        bufferedBytes.addAndGet(-bytes);
        inJvm.add(-bytes);
    }

    /** Whether the message came from the stream's current feed (not one replaced since). */
    boolean isCurrent(Delivery d) {
        return d.feed() != null && current.get(d.feed().stream) == d.feed();
    }

    void stop(String stream) {
        Feed old = current.remove(stream);
        if (old != null) {
            old.live = null;
            Reader r = old.latest;
            if (r != null) {
                close(old, r.consumer);
            }
        }
    }

    void stopAll() {
        for (String stream : current.keySet()) {
            stop(stream);
        }
    }

    private void close(Feed f, MessageConsumer mc) {
        if (mc == null) {
            return;
        }
        try {
            mc.close();
        } catch (Exception e) {
            log.debug("{} - stopping the feed of {}: {}", nodeId, f.stream, e.toString());
        }
    }

    /** Stops pulling (only sets a flag: safe on the dispatcher thread). */
    private static void stopQuietly(MessageConsumer mc) {
        if (mc != null) {
            mc.stop();
        }
    }
}
