package io.marmot.replication;

import io.marmot.clock.Hlc;
import io.marmot.config.MarmotConfig;
import io.marmot.sqlite.Sqlite;
import io.marmot.wire.ChangeBatch;
import io.marmot.wire.MalformedMessageException;
import io.marmot.wire.WireFormat;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Applies other nodes' changes, each message exactly once. One ordered feed per stream fills a bounded queue; the
 * applier thread drains it and applies what it took in short SQLite transactions, each transaction group under its
 * own savepoint (it lands whole or is parked whole), and stores in the same transaction how far each stream is
 * handled. That stored position is the only truth about where to read: after a crash, a failed transaction or a
 * reconnection the feeds start again right after it. Nothing is acknowledged to the server, so nothing can be
 * skipped by an acknowledgement. Messages a stream no longer holds are recorded as missed (the node is then out
 * of sync, persistently), never passed over in silence.
 */
final class Applier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    private static final int MAX_BATCH = 1000;
    private static final long POSITIONS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int MAX_CHANGES_PER_TRANSACTION = 2000;
    private static final int NOT_FOUND = 404;

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationStats stats;
    private final OwnMessages own;
    private final SQLiteConnection db;
    private final ChangeApplier changes;
    private final ParkedMessages parked;
    private final ReceivedPositions positions;
    private final BlockingQueue<StreamFeeds.Delivery> inbox = new ArrayBlockingQueue<>(20_000);
    private final StreamFeeds feeds;
    private final Map<String, StreamCursor> cursors = new HashMap<>();
    private final Set<String> toRestart = new LinkedHashSet<>();
    private final List<Gone> gone = new ArrayList<>();
    private final Thread thread;
    private final String ownSuffix;
    private GroupAssembler assembler;
    private volatile Connection connection;
    private volatile boolean bindRequested;
    private volatile boolean recountMissed;
    private long lastPositionWrite = System.nanoTime();
    private volatile boolean closed;

    Applier(long nodeId, Path database, MarmotConfig config, ReplicationStats stats, OwnMessages own) throws SQLException {
        this.nodeId = nodeId;
        this.own = own;
        this.config = config;
        this.stats = stats;
        this.db = Sqlite.open(database);
        try {
            this.changes = new ChangeApplier(db, nodeId, config);
            this.parked = new ParkedMessages(db, nodeId, stats);
            this.positions = new ReceivedPositions(db);
            MissedMessages.create(db);
            refreshOutOfSync();
        } catch (SQLException e) {
            Sqlite.closeQuietly(db, e);
            throw e;
        }
        this.assembler = new GroupAssembler(nodeId);
        this.feeds = new StreamFeeds(nodeId, this::enqueue);
        this.ownSuffix = "." + nodeId;
        this.thread = new Thread(this::run, "marmot-" + nodeId + "-applier");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** NATS (re)connected: the applier thread binds every stream again, from where this database stands. */
    public void subscribe(Connection nc) {
        connection = nc;
        bindRequested = true;
        inbox.offer(StreamFeeds.Delivery.WAKE);
    }

    /** Stops reading until the next {@link #subscribe} (this node may not replicate for now). */
    void pause() {
        connection = null;
        feeds.stopAll();
    }

    /** The record of missed messages changed outside the applier (an operator cleared it). */
    void missedChanged() {
        recountMissed = true;
    }

    private void enqueue(StreamFeeds.Delivery d) {
        try {
            inbox.put(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<StreamFeeds.Delivery> batch = new ArrayList<>(MAX_BATCH);
        long backoff = 100;
        while (!closed) {
            try {
                if (bindRequested) {
                    bindRequested = false;
                    bindAll();
                }
                if (recountMissed) {
                    recountMissed = false;
                    refreshOutOfSync();
                }
                restartJumpedFeeds();
                parked.retryIfSchemaChanged(changes);
                StreamFeeds.Delivery first = inbox.poll(200, TimeUnit.MILLISECONDS);
                if (first != null && first.message() == null) {
                    continue; // a wake-up: bind first
                }
                if (first != null) {
                    batch.add(first);
                    inbox.drainTo(batch, MAX_BATCH - 1);
                    stats.oldestWaitingMillis = timestampMillis(first.message());
                }
                process(batch);
                batch.clear();
                StreamFeeds.Delivery next = inbox.peek();
                stats.oldestWaitingMillis = next == null || next.message() == null ? 0 : timestampMillis(next.message());
                stats.applySucceeded();
                backoff = 100;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                batch.clear();
                stats.applyFailed(e);
                log.warn("{} - applying failed ({} time(s) in a row), reading again from the stored positions in {} ms: {}",
                        nodeId, stats.consecutiveFailures, backoff, e.toString());
                readAgainFromStoredPositions();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** Forgets everything not committed: the next bind starts each stream right after its stored position. */
    private void readAgainFromStoredPositions() {
        feeds.stopAll();
        inbox.clear();
        cursors.clear();
        toRestart.clear();
        gone.clear();
        assembler = new GroupAssembler(nodeId);
        bindRequested = connection != null;
    }

    /** Binds every stream: checks its identity against the stored position, records what is gone, starts its feed. */
    private void bindAll() throws IOException, JetStreamApiException, SQLException {
        Connection nc = connection;
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        feeds.stopAll();
        inbox.clear();
        Map<String, StreamPosition> stored = positions.load();
        JetStreamManagement jsm = nc.jetStreamManagement();
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            String stream = config.streams().streamName(shard);
            StreamCursor cursor = cursors.get(stream);
            StreamPosition from = cursor != null ? safePosition(stream, cursor) : stored.getOrDefault(stream, StreamPosition.NONE);
            StreamInfo info = jsm.getStreamInfo(stream);
            StreamCheck.Observed observed = new StreamCheck.Observed(info.getStreamState().getFirstSequence(),
                    info.getStreamState().getLastSequence(), nanos(info.getCreateTime()));
            StreamCheck.Decision d = StreamCheck.onBind(from, observed, from.seq() == 0 ? null : stampAt(jsm, stream, from.seq()));
            if (d.recreated()) {
                log.warn("{} - stream {} was deleted and created anew since this node read it up to {}: reading it from"
                        + " its beginning", nodeId, stream, from.seq());
            }
            if (d.recreated() || !d.gaps().isEmpty()) {
                Sqlite.inWriteTransaction(db, c -> {
                    for (StreamCheck.Gap g : d.gaps()) {
                        MissedMessages.record(c, nodeId, stream, g.first(), g.last(), g.reason());
                    }
                    positions.record(stream, d.position());
                    return null;
                });
                refreshOutOfSync();
            }
            StreamCursor fresh = new StreamCursor(d.position());
            fresh.restartAfter(d.resumeAt() - 1, d.position().seq() == d.resumeAt() - 1 ? d.position().stamp() : 0);
            cursors.put(stream, fresh);
            assembler.dropStream(stream);
            toRestart.remove(stream);
            dropLegacyConsumer(jsm, stream);
            feeds.start(nc, stream, d.resumeAt());
        }
        log.info("{} - applying changes from {} stream(s)", nodeId, config.streams().shards());
    }

    /** Feeds that jumped ahead start again right after what was handled (and before groups still waiting). */
    private void restartJumpedFeeds() throws IOException, JetStreamApiException {
        Connection nc = connection;
        if (toRestart.isEmpty() || nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        for (String stream : new ArrayList<>(toRestart)) {
            StreamCursor cursor = cursors.get(stream);
            StreamPosition p = safePosition(stream, cursor);
            assembler.dropStream(stream);
            cursor.restartAfter(p.seq(), p.stamp());
            feeds.start(nc, stream, p.seq() + 1);
            toRestart.remove(stream);
            stats.feedRestarts.incrementAndGet();
        }
    }

    /**
     * Applies a drained batch: complete groups in short transactions; the last one also stores the positions (and
     * any messages found gone). A batch with nothing to apply (own messages, duplicates) costs no write; its
     * positions are stored with the next transaction, or within a second.
     */
    void process(List<StreamFeeds.Delivery> deliveries) throws SQLException {
        List<GroupAssembler.Group> ready = new ArrayList<>();
        for (StreamFeeds.Delivery d : deliveries) {
            if (!feeds.isCurrent(d)) {
                continue;
            }
            Message m = d.message();
            NatsJetStreamMetaData meta = m.metaData();
            String stream = meta.getStream();
            long seq = meta.streamSequence();
            StreamCursor cursor = cursors.get(stream);
            switch (cursor.classify(seq)) {
                case DUPLICATE -> {
                    continue;
                }
                case JUMP -> {
                    log.warn("{} - stream {} delivered {} right after {}: reading again from there", nodeId, stream, seq,
                            cursor.handled());
                    feeds.stop(stream); // what it still delivers is stale
                    toRestart.add(stream);
                    continue;
                }
                case AFTER_GONE -> {
                    for (long[] part : own.foreignParts(stream, cursor.handled() + 1, seq - 1)) {
                        gone.add(new Gone(stream, new StreamCheck.Gap(part[0], part[1],
                                "they left the stream (retention limits) before this node applied them")));
                    }
                }
                case NEXT -> {
                }
            }
            cursor.handled(seq, nanos(meta.timestamp()), seq + meta.pendingCount());
            if (m.getSubject().endsWith(ownSuffix)) {
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
            GroupAssembler.Group g = assembler.add(stream, seq, m.getData(), batch);
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
        if (from < ready.size() || !gone.isEmpty() || System.nanoTime() - lastPositionWrite > POSITIONS_EVERY_NANOS) {
            applyAndRecord(ready.subList(from, ready.size()), true);
        }
        long backlog = 0;
        for (StreamCursor c : cursors.values()) {
            backlog += c.backlog();
        }
        stats.backlogMessages.set(backlog);
    }

    /**
     * @param recordPositions whether this transaction also stores the positions; only the last one of a batch
     *     does, so a crash between transactions reads again (harmlessly) rather than skips
     */
    private void applyAndRecord(List<GroupAssembler.Group> ready, boolean recordPositions) throws SQLException {
        Map<String, StreamPosition> written = new HashMap<>();
        List<List<ChangeBatch>> groups = new ArrayList<>(ready.size());
        ready.forEach(g -> groups.add(g.batches));
        List<ChangeApplier.Outcome> outcomes = changes.apply(groups, (c, results) -> {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).rejected()) {
                    GroupAssembler.Group g = ready.get(i);
                    parked.park(g.origin(), g.stream, g.seqs, g.messages, results.get(i).rejection());
                }
            }
            if (recordPositions) {
                for (Gone g : gone) {
                    MissedMessages.record(c, nodeId, g.stream(), g.gap().first(), g.gap().last(), g.gap().reason());
                }
                for (Map.Entry<String, StreamCursor> e : cursors.entrySet()) {
                    StreamPosition p = safePosition(e.getKey(), e.getValue());
                    if (!p.equals(e.getValue().position())) {
                        positions.record(e.getKey(), p);
                        written.put(e.getKey(), p);
                    }
                }
            }
        });
        if (recordPositions) {
            // Only once committed: a failed transaction is read again whole.
            written.forEach((stream, p) -> {
                cursors.get(stream).stored(p);
                own.forgetUpTo(stream, p.seq());
            });
            lastPositionWrite = System.nanoTime();
            if (!gone.isEmpty()) {
                gone.clear();
                refreshOutOfSync();
            }
        }
        long maxVersion = 0;
        for (ChangeApplier.Outcome o : outcomes) {
            stats.appliedChanges.addAndGet(o.applied());
            stats.staleChanges.addAndGet(o.stale());
            maxVersion = Math.max(maxVersion, o.maxVersion());
        }
        stats.appliedMessages.addAndGet(outcomes.size());
        if (maxVersion > 0) {
            stats.lastLagMillis.set(Math.max(0, System.currentTimeMillis() - Hlc.millis(maxVersion)));
        }
    }

    /** The position that may be stored for a stream: what was handled, held back before groups still waiting. */
    private StreamPosition safePosition(String stream, StreamCursor cursor) {
        long seq = assembler.holdBack(stream, cursor.handled());
        long stamp = seq == cursor.handled() ? cursor.handledStamp() : 0;
        StreamPosition stored = cursor.position();
        return new StreamPosition(seq, stored.created(), stamp, Math.max(stored.tail(), seq));
    }

    private void refreshOutOfSync() throws SQLException {
        long missed = MissedMessages.count(db);
        stats.missedMessages.set(missed);
        stats.outOfSync = missed > 0;
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

    /** Earlier versions read through a durable consumer: it would hold its messages on the server for nothing. */
    private void dropLegacyConsumer(JetStreamManagement jsm, String stream) throws IOException {
        try {
            if (jsm.deleteConsumer(stream, "marmot-node-" + nodeId)) {
                log.info("{} - removed the durable consumer of an earlier version from {}", nodeId, stream);
            }
        } catch (JetStreamApiException e) {
            // none there: the common case
        }
    }

    private static long nanos(ZonedDateTime t) {
        if (t == null) {
            return 0;
        }
        Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static long timestampMillis(Message m) {
        return nanos(m.metaData().timestamp()) / 1_000_000L;
    }

    @Override
    public void close() {
        closed = true;
        feeds.stopAll();
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            try {
                applyAndRecord(List.of(), true); // positions of what was only skipped, so a restart reads less again
            } catch (SQLException e) {
                log.debug("{} - storing stream positions at close: {}", nodeId, e.toString());
            }
        }
        try {
            positions.close();
            changes.close();
            db.close();
        } catch (SQLException e) {
            log.debug("{} - closing the applier's connection: {}", nodeId, e.toString());
        }
    }

    /** Messages of a stream found gone, to be recorded with the positions that pass them. */
    private record Gone(String stream, StreamCheck.Gap gap) {
    }
}
