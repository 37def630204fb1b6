package io.marmot.apply;

import io.marmot.replication.MarmotRuntime;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.nats.NatsLink;
import io.marmot.publish.OwnMessages;
import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.SerialTask;
import io.marmot.replication.WorkPools;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies other nodes' changes, each message exactly once. One ordered feed per stream fills a bounded buffer; the
 * applier drains it and applies what it took in short SQLite transactions, each transaction group under its
 * own savepoint (it lands whole or is parked whole), and stores in the same transaction how far each stream is
 * handled. That stored position is the only truth about where to read: after a crash, a failed transaction or a
 * reconnection the feeds start again right after it. Nothing is acknowledged to the server, so nothing can be
 * skipped by an acknowledgement. Messages a stream no longer holds are recorded as missed (the node is then out
 * of sync, persistently), never passed over in silence. Every database access happens in the applier's steps,
 * which run one at a time on the applying threads every engine of the JVM shares ({@link MarmotRuntime}): woken by
 * arriving messages, a (re)connection and a timer, each step handling at most {@value #MAX_BATCH} messages before
 * the other engines' turn. The feeds' buffer is bounded: a full one stops its feeds until a step drained it.
 */
public final class Applier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Applier.class);
    private static final int MAX_BATCH = 1000;
    private static final long POSITIONS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    /** The connection, and what is prepared on it, while there is work: closed when idle (ApplierConnection). */
    private final ApplierConnection db;
    private final StreamFeeds feeds;
    private final FeedStarter starter;
    private final MessageIntake intake;
    private final StreamProgress progress;
    private final SerialTask task;
    private final FeedWatchdog watchdog;
    private final List<String> streams = new ArrayList<>();
    private final List<StreamFeeds.Delivery> batch = new ArrayList<>(MAX_BATCH);
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final ApplierTicks ticks;
    private long backoff = 100;
    /** No step before this (System.nanoTime): backing off after a failure. */
    private volatile long notBefore = System.nanoTime();
    private volatile Connection connection;
    private volatile boolean bindRequested;
    private volatile boolean recountMissed;
    private long lastPositionWrite = System.nanoTime();
    private volatile boolean closed;
    /** Per stream, the last sequence whose messages are all applied (or need nothing): read by other threads. */
    private final Map<String, Long> applied = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param instance the database file's token: which of this node id's messages the file holds (OwnHistory) */
    public Applier(long nodeId, String instance, Path database, MarmotConfig config, NatsLink link, ReplicationCounters stats,
            OwnMessages own, ChangeListeners listeners, MarmotRuntime runtime, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.nodeId = nodeId;
        this.timer = runtime.timer();
        this.config = config;
        this.stats = stats;
        this.db = new ApplierConnection(database, runtime.descriptors(), runtime.engineConnections());
        OwnHistory history;
        db.begin();
        try {
            history = new OwnHistory(db.db(), instance);
            db.builds(c -> new ApplierConnection.Parts(new AppliedTransactions(nodeId, c, config, stats, own, listeners,
                    writers), new SchemaApplier(nodeId, c, config, stats, history, writers)));
            db.writes();
        } catch (SQLException e) {
            try (db) {
                throw e;
            }
        } finally {
            db.end();
        }
        this.task = new SerialTask(nodeId + " applier", runtime.apply(), this::step);
        this.ticks = new ApplierTicks(timer, task::wake);
        this.feeds = new StreamFeeds(nodeId, link, task::wake, runtime.feedBuffers());
        this.progress = new StreamProgress(nodeId, stats.groupsGivenUp::incrementAndGet);
        this.starter = new FeedStarter(nodeId, config, stats, own, history, db, feeds, progress);
        this.intake = new MessageIntake(nodeId, stats, own, history, db, feeds, progress);
        this.watchdog = new FeedWatchdog(nodeId, stats, link, config.streams().subjects(1), ticks::written);
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            streams.add(config.streams().streamName(shard));
        }
    }

    public void start() {
        ticks.start();
        task.wake();
    }

    /** The database's WAL was written (seen by the JVM's sweep): see {@link ApplierTicks#written}. */
    public void written() {
        ticks.written();
    }

    /** NATS (re)connected: the applier binds every stream again, from where this database stands. */
    public void subscribe(Connection nc) {
        connection = nc;
        bindRequested = true;
        task.wake();
    }

    /** Stops reading until the next {@link #subscribe} (this node may not replicate for now). */
    public void pause() {
        connection = null;
        feeds.stopAll();
    }

    /** The record of missed messages changed outside the applier (an operator cleared it). */
    public void missedChanged() {
        recountMissed = true;
        task.wake();
    }

    /** One step, on an applying thread: binds when asked, then applies what the feeds brought, at most a batch. */
    private void step() {
        if (closed || System.nanoTime() - notBefore < 0) {
            return; // a wake during the back-off: the timer ends it
        }
        db.begin();
        try {
            applyStep();
        } finally {
            db.end();
        }
    }

    private void applyStep() {
        boolean ticked = ticks.take();
        boolean busy = bindRequested;
        try {
            if (bindRequested) {
                bindRequested = false;
                starter.bindAll(connection);
                streams.forEach(watchdog::started);
            }
            if (recountMissed) {
                recountMissed = false;
                db.writes().refreshOutOfSync();
            }
            starter.restartJumped(connection).forEach(watchdog::started);
            db.upkeep();
            feeds.drainTo(batch, MAX_BATCH);
            if (!batch.isEmpty()) {
                stats.oldestWaitingMillis = StreamBinder.millis(batch.get(0).message());
            }
            process(batch);
            noteApplied();
            if (!batch.isEmpty()) {
                stats.applySucceeded();
                watchdog.soon();
                busy = true;
            }
            watch();
            busy |= watchdog.watching() || !progress.positionsToStore().isEmpty();
            batch.clear();
            StreamFeeds.Delivery next = feeds.peek();
            stats.oldestWaitingMillis = next == null ? 0 : StreamBinder.millis(next.message());
            backoff = 100;
            feeds.resumeIfDrained(connection);
            if (next != null || (!progress.toRestart().isEmpty() && connection != null)) {
                task.wake(); // more is waiting: after the other engines' turn
            }
        } catch (Exception | Error e) {
            // An Error too (a class that failed to load, a stack overflow): what the batch moved in memory is
            // dropped like after any failure, or the messages it held would be skipped in silence.
            if (closed) {
                return;
            }
            batch.clear();
            stats.applyFailed(e);
            if (e instanceof Error) {
                log.error("{} - applying failed", nodeId, e);
            }
            log.warn("{} - applying failed ({} time(s) in a row), reading again from the stored positions in {} ms: {}",
                    nodeId, stats.consecutiveFailures, backoff, e.toString());
            // Everything not committed is dropped: the next bind starts each stream right after its position.
            feeds.stopAll();
            feeds.clear();
            progress.forget();
            if (!(e instanceof java.io.IOException || e instanceof io.nats.client.JetStreamApiException)) {
                db.recover(); // NATS' failures leave the database's statements whole: no reopening at every back-off
            }
            bindRequested = connection != null;
            notBefore = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            WorkPools.wakeLater(timer, task, backoff, TimeUnit.MILLISECONDS);
            backoff = Math.min(backoff * 2, 5_000);
            busy = true;
        } finally {
            db.stepped(ticked, busy);
            if (ticked) {
                ticks.after(busy, !busy && db.idle() && connection != null && progress.toRestart().isEmpty()
                        && feeds.peek() == null, watchdog.nanosUntilDue());
            } else if (busy) {
                ticks.active();
            }
        }
    }

    /**
     * Applies a drained batch: complete groups in short transactions, the last also storing the positions (and messages
     * found gone), so a crash between them reads again rather than skips; nothing to apply costs no write.
     */
    void process(List<StreamFeeds.Delivery> deliveries) throws SQLException {
        List<GroupAssembler.Group> ready = new ArrayList<>();
        for (StreamFeeds.Delivery d : deliveries) {
            if (feeds.isCurrent(d) && SchemaApplier.isSchemaChange(d.message())) {
                // The rows before it land first; its position is stored only with what follows it.
                db.writes().applyInSlices(ready, progress, false);
                ready.clear();
                Message m = d.message();
                if (intake.take(m) == MessageIntake.SCHEMA_CHANGE) {
                    db.schema().apply(m, m.metaData().getStream(), m.metaData().streamSequence());
                }
                continue;
            }
            if (feeds.isCurrent(d)) {
                GroupAssembler.Group g = intake.take(d.message());
                if (g != null) {
                    ready.add(g);
                }
            }
        }
        // An idle database costs no write: positions are stored when due only if they moved.
        boolean positionsDue = !progress.gone().isEmpty() || (System.nanoTime() - lastPositionWrite > POSITIONS_EVERY_NANOS
                && !progress.positionsToStore().isEmpty());
        if ((!ready.isEmpty() || positionsDue) && db.writes().applyInSlices(ready, progress, positionsDue)) {
            lastPositionWrite = System.nanoTime();
        }
        stats.backlogMessages.set(progress.backlog());
    }

    /** Streams whose feed stalls are read again from what was applied (see FeedWatchdog). */
    private void watch() {
        Connection nc = connection;
        if (nc == null || nc.getStatus() != Connection.Status.CONNECTED) {
            watchdog.reset();
            return;
        }
        if (watchdog.due()) {
            for (String stream : watchdog.look(nc, streams, this::applied, feeds.peek() != null, feeds::consumerName)) {
                if (progress.cursor(stream) != null) {
                    progress.mustRestart(stream);
                }
            }
        }
    }

    /** How far each stream is applied, for callers waiting to be caught up (see Replication.awaitCaughtUp). */
    public long applied(String stream) {
        return applied.getOrDefault(stream, -1L);
    }

    private void noteApplied() {
        for (int shard = 1; shard <= config.streams().shards(); shard++) {
            String stream = config.streams().streamName(shard);
            StreamCursor cursor = progress.cursor(stream);
            if (cursor != null) {
                applied.put(stream, progress.assembler().holdBack(stream, cursor.handled()));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ticks.close();
        feeds.stopAll();
        boolean stopped = task.stop(5, TimeUnit.SECONDS);
        feeds.clear(); // what was buffered is read again from the stored positions by the next start
        db.begin(); // the bound takes it no more
        try {
            if (stopped && (db.isOpen() || !progress.positionsToStore().isEmpty())) {
                db.writes().apply(List.of(), progress); // positions of what was only skipped, so a restart reads less again
            }
        } catch (SQLException e) {
            log.debug("{} - storing stream positions at close: {}", nodeId, e.toString());
        }
        try {
            db.close();
        } catch (SQLException e) {
            log.debug("{} - closing the applier's connection: {}", nodeId, e.toString());
        }
    }
}
