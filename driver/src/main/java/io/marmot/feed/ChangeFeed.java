package io.marmot.feed;

import io.marmot.config.MarmotConfig;
import io.marmot.nats.KvBucket;
import io.marmot.wire.RowChange;
import io.marmot.wire.Transaction;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's change feed ({@code change-feed=<prefix>}): every node that sets it competes for one lease in the
 * key-value bucket {@code <stream-prefix>-locks}; the holder reads the change streams in order and publishes each row
 * change once, as a {@link DebeziumEnvelope}, to {@code <prefix>.<table>}. Exactly once rests on the feed stream, not
 * on the lease: each message carries the position the next emitter resumes from ({@link FeedPosition}), is published
 * only if the stream ends where this emitter left it ({@link FeedWriter}) and with a message id made of its source
 * position, so a lapsed lease, a kill -9 between publish and acknowledgement or two emitters at once neither skip nor
 * repeat a change. Runs in bounded steps ({@link #tick}) on the connection's timer.
 */
public final class ChangeFeed implements AutoCloseable {
    public static final long TICK_MILLIS = 200;
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
    private static final Duration LEASE = Duration.ofSeconds(15);
    private static final long RENEW_NANOS = TimeUnit.SECONDS.toNanos(4);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Since the last renewal known to have landed: the lease cannot have lapsed to another node yet. */
    private static final long KEPT_WITHOUT_ANSWER_NANOS = LEASE.toNanos() - RENEW_NANOS;
    private static final long PROBLEM_LOGGED_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String KEY = "change-feed";
    /** What creating a key that exists answers. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    private static final int MESSAGES_PER_STEP = 500;
    private static final int IN_FLIGHT = 256;

    private final long nodeId;
    private final MarmotConfig config;
    private final Supplier<Connection> connection;
    private final FeedStream stream;
    private final KvBucket bucket;
    private final byte[] holder;
    private long revision;
    /** Written by the step, read by {@link #reading} without waiting for a step stuck on NATS (a failover). */
    private volatile boolean holding;
    private long renewedAt;
    private long nextTry;
    private List<ShardReader> readers;
    private FeedWriter writer;
    private FeedPosition resumedAt;
    private Map<Integer, FeedPosition.Shard> published;
    private volatile long emittedRows;
    private volatile long missingMessages;
    private volatile long groupsGivenUp;
    private volatile String problem;
    private long problemLoggedAt;
    private boolean closed;

    public ChangeFeed(long nodeId, MarmotConfig config, Supplier<Connection> connection) {
        this.nodeId = nodeId;
        this.config = config;
        this.connection = connection;
        this.stream = new FeedStream(config.streams(), config.changeFeed());
        this.bucket = new KvBucket(config.streams().streamPrefix() + "-locks", LEASE, config.streams().replicas());
        this.holder = ("node " + nodeId + " since " + Instant.now()).getBytes(StandardCharsets.UTF_8);
    }

    public ChangeFeedStats reading() {
        return new ChangeFeedStats(holding, emittedRows, missingMessages, problem, groupsGivenUp);
    }

    /** One bounded step: take or renew the lease, then emit what the change streams hold now. */
    public synchronized void tick() {
        Connection nc = connection.get();
        if (closed || nc == null) {
            return;
        }
        try {
            if (!holding && !takeLease(nc)) {
                return;
            }
            if (System.nanoTime() - renewedAt > RENEW_NANOS && !renew(nc)) {
                return;
            }
            if (readers == null) {
                resume(nc);
            }
            emit(nc);
            problem = null;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            readers = null; // next step reads again where the feed stream says it stands
            // a new problem at once, the same one again now and then: a feed never stands still in silence
            if (!java.util.Objects.equals(e.getMessage(), problem)
                    || System.nanoTime() - problemLoggedAt > PROBLEM_LOGGED_EVERY_NANOS) {
                log.warn("{} - change feed: {} (goes on from the feed stream's last message)", nodeId, e.toString());
                problemLoggedAt = System.nanoTime();
            }
            problem = e.getMessage();
            bucket.forget();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean takeLease(Connection nc) throws IOException, JetStreamApiException {
        if (System.nanoTime() < nextTry) {
            return false;
        }
        KeyValue kv = bucket.open(nc);
        try {
            revision = kv.create(KEY, holder);
        } catch (JetStreamApiException taken) {
            if (taken.getApiErrorCode() != WRONG_LAST_SEQUENCE) {
                // the key could not be written at all (the bucket full, without a leader): not another node's lease,
                // and read as one it left every node waiting for it with no problem reported
                throw taken;
            }
            KeyValueEntry entry = kv.get(KEY);
            if (entry == null || !Arrays.equals(entry.getValue(), holder)) {
                nextTry = System.nanoTime() + RETRY_NANOS;
                return false;
            }
            revision = entry.getRevision(); // an earlier attempt went through, its answer was lost
        }
        holding = true;
        renewedAt = System.nanoTime();
        log.info("{} - change feed: this node emits to {}.<table> (stream {})", nodeId, stream.subjectPrefix, stream.name);
        return true;
    }

    private boolean renew(Connection nc) {
        try {
            revision = bucket.open(nc).update(KEY, holder, revision);
            renewedAt = System.nanoTime();
            return true;
        } catch (IOException | JetStreamApiException e) {
            if (stillHeld(nc) || System.nanoTime() - renewedAt < KEPT_WITHOUT_ANSWER_NANOS) {
                // a renewal whose answer was lost in a failover may have landed ("wrong last sequence" next time),
                // and no other node can take the key before it lapses: renewed again at the next step
                log.debug("{} - change feed: renewing the lease: {} (kept, tried again)", nodeId, e.toString());
                bucket.forget();
                return true;
            }
            log.warn("{} - change feed: lost the lease ({}); another node may emit now", nodeId, e.toString());
            holding = false;
            readers = null;
            bucket.forget();
            nextTry = System.nanoTime() + RETRY_NANOS;
            return false;
        }
    }

    /** Whether the key still holds this node's value: its revision is taken as the one to renew from. */
    private boolean stillHeld(Connection nc) {
        try {
            KeyValueEntry entry = bucket.open(nc).get(KEY);
            if (entry != null && Arrays.equals(entry.getValue(), holder)) {
                revision = entry.getRevision();
                return true;
            }
        } catch (IOException | JetStreamApiException e) {
            // not known: kept only while it cannot have lapsed
        }
        return false;
    }

    private void resume(Connection nc) throws IOException, JetStreamApiException {
        FeedStream.Tail tail = stream.ensure(nc.jetStreamManagement(), nodeId);
        resumedAt = tail.position();
        published = new HashMap<>(resumedAt.shards());
        writer = new FeedWriter(nc.jetStream(), tail.lastSeq());
        List<ShardReader> list = new ArrayList<>();
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            list.add(new ShardReader(nodeId, shard, config.streams().streamName(shard),
                    resumedAt.shard(shard).readFrom()));
        }
        readers = list;
    }

    private void emit(Connection nc) throws IOException, JetStreamApiException, InterruptedException {
        for (ShardReader reader : readers) {
            long gapsBefore = reader.gapMessages() + reader.unreadable();
            long givenUpBefore = reader.givenUp();
            List<ShardReader.Group> groups = reader.read(nc, MESSAGES_PER_STEP);
            missingMessages += reader.gapMessages() + reader.unreadable() - gapsBefore;
            groupsGivenUp += reader.givenUp() - givenUpBefore;
            FeedPosition.Shard skip = resumedAt.shard(reader.shard);
            for (ShardReader.Group g : groups) {
                int row = 0;
                for (Transaction tx : g.transactions()) {
                    long txName = tx.changes().get(0).version();
                    for (RowChange c : tx.changes()) {
                        if (!skip.emitted(g.seq(), row)) {
                            send(reader, g, row, txName, c);
                        }
                        row++;
                    }
                }
            }
            flush();
        }
    }

    private void send(ShardReader reader, ShardReader.Group g, int row, long txName, RowChange c)
            throws IOException, InterruptedException {
        published.put(reader.shard, new FeedPosition.Shard(g.readFrom(row), g.seq(), row));
        writer.add(stream.subject(c.table().name()), reader.stream + ":" + g.seq() + ":" + row,
                new FeedPosition(published).format(),
                DebeziumEnvelope.of(c, g.origin(), txName, g.publishedMillis(), System.currentTimeMillis()));
        if (writer.pending() >= IN_FLIGHT) {
            flush();
        }
    }

    private void flush() throws IOException, InterruptedException {
        int sent = writer.pending();
        writer.flush();
        emittedRows += sent;
    }

    /** Stops emitting and frees the lease at once, so another node takes over without waiting for it to lapse. */
    @Override
    public synchronized void close() {
        closed = true;
        Connection nc = connection.get();
        if (holding && nc != null) {
            try {
                bucket.open(nc).delete(KEY, revision);
            } catch (IOException | JetStreamApiException e) {
                log.debug("{} - change feed: releasing the lease: {} (it lapses within {} s)", nodeId, e.toString(),
                        LEASE.toSeconds());
            }
        }
        holding = false;
    }
}
