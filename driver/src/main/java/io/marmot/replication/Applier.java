package io.marmot.replication;

import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.WireFormat;
import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Applies other nodes' changes. One durable consumer per stream feeds a bounded queue; the applier thread
 * drains it and applies what it took in ONE SQLite transaction, each message (or chunked group) under its own
 * savepoint so it lands whole or is parked whole. Last-writer-wins on (clock, node) per row makes replays,
 * duplicates and any delivery order converge. Messages are acked (cumulatively) only after the commit.
 */
public final class Applier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    private static final int MAX_BATCH = 1000;
    private static final long POSITIONS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_CHANGES_PER_TRANSACTION = 2000;

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationStats stats;
    private final SQLiteConnection db;
    private final ChangeApplier changes;
    private final ParkedMessages parked;
    private final BlockingQueue<Message> inbox = new ArrayBlockingQueue<>(20_000);
    private final Map<String, Long> lastDelivered = new HashMap<>();
    private final Map<String, Long> appliedFloor = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Queue<String> streamResets = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Map<String, PendingGroup> pending = new LinkedHashMap<>();
    private final List<MessageConsumer> consumers = new ArrayList<>();
    private final Thread thread;
    private final String ownSuffix;
    private long lastPositionWrite = System.nanoTime();
    private volatile boolean closed;

    public Applier(long nodeId, Path database, MarmotConfig config, ReplicationStats stats) throws SQLException {
        this.nodeId = nodeId;
        this.config = config;
        this.stats = stats;
        this.db = Sqlite.open(database);
        try {
            this.changes = new ChangeApplier(db, nodeId, config);
            this.parked = new ParkedMessages(db, nodeId, stats);
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + ReceivedPositions.TABLE + " (stream TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
            }
            loadFloors();
        } catch (SQLException e) {
            db.close();
            throw e;
        }
        this.ownSuffix = "." + nodeId;
        this.thread = new Thread(this::run, "marmot-" + nodeId + "-applier");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** (Re)binds the consumers after NATS (re)connected: each stream from where this database stopped. */
    public synchronized void subscribe(Connection nc) throws IOException, JetStreamApiException {
        stopConsumers();
        if (closed) {
            return;
        }
        JetStreamManagement jsm = nc.jetStreamManagement();
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            String stream = config.streams().streamName(shard);
            long floor = checkStream(jsm, stream, appliedFloor.getOrDefault(stream, 0L));
            String durable = "marmot-node-" + nodeId;
            bindConsumer(jsm, stream, durable, floor);
            MessageConsumer mc = nc.getStreamContext(stream).getConsumerContext(durable)
                    .consume(ConsumeOptions.builder().batchSize(1000).build(), this::enqueue);
            consumers.add(mc);
        }
        log.info("{} - applying changes from {} stream(s)", nodeId, config.streams().shards());
    }

    private void enqueue(Message m) {
        try {
            inbox.put(m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A consumer positioned after what this database already applied (recreated if it is ahead of it). */
    private void bindConsumer(JetStreamManagement jsm, String stream, String durable, long floor)
            throws IOException, JetStreamApiException {
        ConsumerInfo existing = null;
        try {
            existing = jsm.getConsumerInfo(stream, durable);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
        }
        if (existing != null && existing.getAckFloor().getStreamSequence() > floor) {
            log.warn("{} - consumer {} on {} is at {} but the database applied only up to {}: rewinding", nodeId,
                    durable, stream, existing.getAckFloor().getStreamSequence(), floor);
            jsm.deleteConsumer(stream, durable);
            existing = null;
        }
        if (existing == null) {
            ConsumerConfiguration.Builder b = ConsumerConfiguration.builder().durable(durable)
                    .ackPolicy(AckPolicy.All).ackWait(Duration.ofSeconds(60)).maxAckPending(100_000);
            if (floor > 0) {
                b.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(floor + 1);
            } else {
                b.deliverPolicy(DeliverPolicy.All);
            }
            jsm.addOrUpdateConsumer(stream, b.build());
        }
    }

    /** A stream that no longer holds what this node has not applied yet means changes were missed. */
    /**
     * Checks the stream against how far this node applied it, and returns where to read from: a stream whose last
     * sequence is below that was created anew (a wiped or replaced server), so it is read from its beginning; a
     * stream that no longer holds what this node has not applied means changes were missed.
     */
    private long checkStream(JetStreamManagement jsm, String stream, long floor) throws IOException, JetStreamApiException {
        StreamInfo si = jsm.getStreamInfo(stream);
        long first = si.getStreamState().getFirstSequence();
        long last = si.getStreamState().getLastSequence();
        if (last < floor) {
            log.warn("{} - stream {} ends at {} but this node applied up to {}: the stream was created anew;"
                    + " reading it from its beginning", nodeId, stream, last, floor);
            streamResets.add(stream);
            floor = 0;
        }
        if (last > floor && first > floor + 1) {
            missed(stream, floor + 1, first - 1, "they left the stream (retention limits) before this node applied them");
        }
        return floor;
    }

    /** Forgets the positions of streams created anew (on the applier's thread, before it reads their messages). */
    private void applyStreamResets() throws SQLException {
        for (String stream = streamResets.poll(); stream != null; stream = streamResets.poll()) {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM " + ReceivedPositions.TABLE + " WHERE stream = ?")) {
                ps.setString(1, stream);
                ps.executeUpdate();
            }
            appliedFloor.remove(stream);
            lastDelivered.remove(stream);
        }
    }

    private void missed(String stream, long from, long to, String why) {
        stats.missedMessages.addAndGet(to - from + 1);
        stats.outOfSync = true;
        log.error("{} - OUT OF SYNC: missed messages {}..{} of stream {}: {}. This node no longer converges with the"
                + " others; restore it from a peer's copy of the database.", nodeId, from, to, stream, why);
    }

    private void run() {
        List<Message> batch = new ArrayList<>(MAX_BATCH);
        long backoff = 100;
        while (!closed) {
            try {
                parked.retryIfSchemaChanged(changes);
                if (batch.isEmpty()) {
                    Message first = inbox.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    inbox.drainTo(batch, MAX_BATCH - 1);
                }
                process(batch);
                batch.clear();
                backoff = 100;
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                // Nothing was acked: the same messages are retried (and redelivered after a restart).
                log.warn("{} - applying {} messages failed, retrying in {} ms: {}", nodeId, batch.size(), backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /**
     * Applies a drained batch: complete groups in one transaction, then acks. A batch with nothing to apply (own
     * messages, duplicates, garbage) costs no write; its stream positions are written with the next transaction,
     * or within a second.
     */
    void process(List<Message> messages) throws SQLException {
        applyStreamResets();
        List<PendingGroup> ready = new ArrayList<>();
        for (Message m : messages) {
            String stream = m.metaData().getStream();
            long seq = m.metaData().streamSequence();
            Long prev = lastDelivered.get(stream);
            if (prev != null && seq > prev + 1) {
                missed(stream, prev + 1, seq - 1, "the stream dropped them before they were delivered");
            }
            lastDelivered.merge(stream, seq, Math::max);
            if (seq <= appliedFloor.getOrDefault(stream, 0L) || m.getSubject().endsWith(ownSuffix)) {
                continue;
            }
            ChangeBatch batch;
            try {
                batch = WireFormat.decode(m.getData());
            } catch (MalformedMessageException e) {
                stats.rejectedMessages.incrementAndGet();
                log.warn("{} - rejected message {}#{} on {}: {}", nodeId, stream, seq, m.getSubject(), e.getMessage());
                continue;
            }
            if (batch.origin() == nodeId) {
                continue;
            }
            PendingGroup g = collect(m, stream, seq, batch);
            if (g != null) {
                ready.add(g);
            }
        }
        // Short transactions: the application's own writers wait while the applier holds the write lock.
        int from = 0;
        int changesInSlice = 0;
        for (int i = 0; i < ready.size(); i++) {
            changesInSlice += ready.get(i).changeCount();
            if (changesInSlice >= MAX_CHANGES_PER_TRANSACTION && i < ready.size() - 1) {
                applyAndRecord(ready.subList(from, i + 1), false);
                from = i + 1;
                changesInSlice = 0;
                LockSupport.parkNanos(500_000); // a moment with the lock free for the application's writers
            }
        }
        if (from < ready.size() || System.nanoTime() - lastPositionWrite > POSITIONS_EVERY_NANOS) {
            applyAndRecord(ready.subList(from, ready.size()), true);
        }
        ackUpToFloor(messages);
    }

    /**
     * @param recordPositions whether this transaction also records the stream positions; only the last one of a
     *     batch does, so a crash between transactions redelivers (harmlessly) rather than skips
     */
    private void applyAndRecord(List<PendingGroup> ready, boolean recordPositions) throws SQLException {
        Map<String, Long> positions = new HashMap<>();
        List<List<ChangeBatch>> groups = new ArrayList<>(ready.size());
        ready.forEach(g -> groups.add(g.batches));
        List<ChangeApplier.Outcome> outcomes = changes.apply(groups, (c, results) -> {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).rejected()) {
                    park(ready.get(i), results.get(i).rejection());
                }
            }
            if (recordPositions) {
                recordPositions(positions);
            }
        });
        if (recordPositions) {
            appliedFloor.putAll(positions); // only once committed: a failed transaction is retried whole
            lastPositionWrite = System.nanoTime();
        }
        long maxVersion = 0;
        for (ChangeApplier.Outcome o : outcomes) {
            stats.appliedChanges.addAndGet(o.applied());
            stats.staleChanges.addAndGet(o.stale());
            maxVersion = Math.max(maxVersion, o.maxVersion());
        }
        stats.appliedMessages.addAndGet(outcomes.size());
        if (maxVersion > 0) {
            stats.lastLagMillis.set(Math.max(0, System.currentTimeMillis() - (maxVersion >>> 16)));
        }
    }

    /**
     * Consumers ack cumulatively (AckPolicy.All): one ack per stream and batch, on the highest message that is
     * done with — never past the first chunk of a group still waiting for its other chunks.
     */
    private void ackUpToFloor(List<Message> messages) {
        Map<String, Message> best = new HashMap<>();
        for (Message m : messages) {
            String stream = m.metaData().getStream();
            long seq = m.metaData().streamSequence();
            if (seq <= doneUpTo(stream)) {
                best.merge(stream, m, (a, b) -> a.metaData().streamSequence() >= b.metaData().streamSequence() ? a : b);
            }
        }
        best.values().forEach(Message::ack);
    }

    /** Everything of the stream up to here is applied, parked, or needs nothing. */
    private long doneUpTo(String stream) {
        long floor = lastDelivered.getOrDefault(stream, 0L);
        for (PendingGroup p : pending.values()) {
            if (p.stream.equals(stream)) {
                floor = Math.min(floor, p.firstSeq - 1);
            }
        }
        return floor;
    }

    /** Adds a message to its group; returns the group when it is complete. */
    private PendingGroup collect(Message m, String stream, long seq, ChangeBatch batch) {
        if (batch.isWhole()) {
            return new PendingGroup(stream, m, seq, batch);
        }
        String key = batch.origin() + "/" + batch.group();
        PendingGroup g = pending.get(key);
        if (batch.chunk() == 0 || g == null || g.batches.size() != batch.chunk()) {
            if (g != null || batch.chunk() != 0) {
                log.warn("{} - chunk {} of group {} from node {} out of order: group restarted", nodeId, batch.chunk(),
                        batch.group(), batch.origin());
            }
            pending.remove(key);
            if (batch.chunk() != 0) {
                return null;
            }
            g = new PendingGroup(stream, m, seq, batch);
            pending.put(key, g);
        } else {
            g.add(m, batch);
        }
        if (batch.last()) {
            pending.remove(key);
            return g;
        }
        return null;
    }

    /** The sequence up to which each stream is applied, held back before groups still waiting for chunks. */
    private void recordPositions(Map<String, Long> positions) throws SQLException {
        for (String stream : lastDelivered.keySet()) {
            long floor = doneUpTo(stream);
            if (floor > appliedFloor.getOrDefault(stream, 0L)) {
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + ReceivedPositions.TABLE
                        + " (stream, seq) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET seq = max(seq, excluded.seq)")) {
                    ps.setString(1, stream);
                    ps.setLong(2, floor);
                    ps.executeUpdate();
                }
                positions.put(stream, floor);
            }
        }
    }

    private void park(PendingGroup g, String reason) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        for (Message m : g.messages) {
            seqs.add(m.metaData().streamSequence());
            data.add(m.getData());
        }
        parked.park(g.batches.get(0).origin(), g.stream, seqs, data, reason);
    }

    private void loadFloors() throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT stream, seq FROM " + ReceivedPositions.TABLE)) {
            while (rs.next()) {
                appliedFloor.put(rs.getString(1), rs.getLong(2));
            }
        }
    }

    private void stopConsumers() {
        for (MessageConsumer mc : consumers) {
            try {
                mc.stop();
            } catch (RuntimeException e) {
                log.debug("{} - stopping consumer: {}", nodeId, e.toString());
            }
        }
        consumers.clear();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            stopConsumers();
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            try {
                applyAndRecord(List.of(), true); // positions of what was only skipped, so a restart need not rewind
            } catch (SQLException e) {
                log.debug("{} - recording stream positions at close: {}", nodeId, e.toString());
            }
        }
        try {
            changes.close();
            db.close();
        } catch (SQLException e) {
            log.debug("{} - closing the applier's connection: {}", nodeId, e.toString());
        }
    }

    /** The chunks of one group, in order, with the messages that carried them. */
    private static final class PendingGroup {
        final String stream;
        final long firstSeq;
        final List<Message> messages = new ArrayList<>();
        final List<ChangeBatch> batches = new ArrayList<>();

        PendingGroup(String stream, Message m, long seq, ChangeBatch b) {
            this.stream = stream;
            this.firstSeq = seq;
            add(m, b);
        }

        void add(Message m, ChangeBatch b) {
            messages.add(m);
            batches.add(b);
        }

        int changeCount() {
            int n = 0;
            for (ChangeBatch b : batches) {
                n += b.changes().size();
            }
            return n;
        }
    }
}
