package io.marmot.engine;

import io.marmot.config.StreamSettings;
import io.marmot.sqlite.OnDemandConnection;
import io.marmot.sqlite.QuietFile;
import io.marmot.nats.PeerKeys;
import io.marmot.nats.KvBucket;
import io.marmot.nats.LivePeers;
import io.marmot.replication.QuietPeriod;
import io.marmot.replication.ReplicationCounters;
import io.marmot.schema.SchemaJournal;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each node publishes a fingerprint of its replicated schema in the key-value bucket {@code <stream-prefix>-schemas}
 * when it changes (again after its NATS connection dropped, the server may have lost its store, and once every ten
 * minutes or so; a stopped node's entry lapses after {@link #ENTRY_TTL}) and compares the others' with its own: within
 * 3 s of a change here and while they differ, every 10 s while its streams move (another node's schema change reaches
 * it as a message), every ten minutes or so otherwise. An entry that differs does not count once its node is known
 * to have stopped ({@link LivePeers}): a crashed node's entry outlives it. {@code stats()} and {@code /health} show
 * whether the cluster agrees, and which nodes differ. It reads through the schema watcher's connection
 * ({@link OnDemandConnection}), and only when the WAL was written since its last look. The JVM's sweep of local looks
 * ({@link DatabaseLook}) decides when: it hands a look to the fingerprint thread only when that look has something to
 * do, so a quiet node costs that thread nothing between its rare rewrites.
 */
final class SchemaFingerprints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaFingerprints.class);
    /** Three quiet re-writes: a stopped node's entry is gone within 35 minutes, a live one's never. */
    static final Duration ENTRY_TTL = Duration.ofNanos(3 * QuietPeriod.LONGEST_NANOS + TimeUnit.MINUTES.toNanos(2));
    private static final long EVERY_MILLIS = 3_000;
    /** A disagreement is logged once it lasted this long (compared every {@link #EVERY_MILLIS} while it lasts). */
    static final long WARN_AFTER_NANOS = TimeUnit.SECONDS.toNanos(15);
    /**
     * With nothing changed here and the cluster agreeing, the others' entries are read only this often while the
     * streams move: a thousand databases each reading every three seconds cost the server hundreds of requests a second.
     * A change here, or a disagreement, is compared at every look.
     */
    private static final long MOVING_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long nodeId;
    private final Path database;
    private final KvBucket bucket;
    private final PeerKeys peerKeys;
    private final LivePeers livePeers;
    private final ReplicationCounters stats;
    private final Supplier<Connection> connection;
    private final LongSupplier streamMoves;
    /** The NATS connection's drops: after one the server may have lost its store, and this node's entry with it. */
    private final LongSupplier drops;
    private volatile long dropsAtPublish;
    /** The JVM's one fingerprint thread ({@link MarmotRuntime}): a look is a short query and a request or two. */
    private final ScheduledExecutorService timer;
    /** A look is queued on the fingerprint thread (the sweep queues one at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean queued = new java.util.concurrent.atomic.AtomicBoolean();
    /** The WAL was written since the last look began: the fingerprint is read again. */
    private volatile boolean written = true;
    /** A look read through the schema watcher's connection: the watcher is to let it go once the WAL is quiet. */
    private volatile boolean usedReads;
    /** No look before this (System.nanoTime): looks come {@link #EVERY_MILLIS} apart at least. */
    private volatile long nextLookAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    private final OnDemandConnection reads;
    private final QuietFile wal;
    // Written by the fingerprint thread, read by the sweep's (a stale read costs one look, early or late).
    private volatile String fingerprint;
    private volatile String lastDisagreement = "";
    /** Since when (System.nanoTime) the nodes disagree, 0 while they agree; the disagreement last warned of. */
    private long disagreeingSince;
    private String warned = "";
    private volatile String lastPublished = "";
    private volatile long lastPublishedAt;
    /** With the streams still too, the entry is written again and the others' read only this often. */
    private volatile long quietNanos = QuietPeriod.draw();
    private volatile long comparedAt;
    private volatile long movesAtCompare = -1;
    /**
     * When the comparison after a change is made again (0: none due). A change here or in the streams is answered
     * by the others' fingerprints only later: a node whose schema change moved the streams publishes its new one after
     * its own next look, a peer applying this node's change publishes the schema it then has (which may differ: a drop
     * it keeps) after it applied it. So the comparison is made again {@link #RECHECK_SECONDS} after it; a peer later
     * than that sees the difference itself, and this node at its next quiet look (ten minutes or so).
     */
    private volatile long recheckAt;
    private static final long[] RECHECK_SECONDS = {10, 30, 90};
    /** Comparisons made again since the last change. */
    private int rechecks;
    private volatile boolean closed;
    private final java.util.concurrent.locks.ReentrantLock busy = new java.util.concurrent.locks.ReentrantLock();

    SchemaFingerprints(long nodeId, Path database, StreamSettings streams, ReplicationCounters stats,
            Supplier<Connection> connection, LongSupplier streamMoves, LongSupplier drops, ScheduledExecutorService timer,
            OnDemandConnection reads) {
        this.drops = drops;
        this.reads = reads;
        this.nodeId = nodeId;
        this.timer = timer;
        this.database = database;
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.bucket = new KvBucket(streams.streamPrefix() + "-schemas", ENTRY_TTL, streams.replicas());
        this.peerKeys = new PeerKeys(bucket, "node-" + nodeId, 6); // listed once a minute at most while moving
        this.livePeers = new LivePeers(streams.streamPrefix(), streams.replicas());
        this.stats = stats;
        this.connection = connection;
        this.streamMoves = streamMoves;
    }

    /**
     * The sweep's look, on its thread (nothing here waits): queues a look on the fingerprint thread when the WAL was
     * written or a comparison is due ({@link #dueAt}), {@link #EVERY_MILLIS} apart at least.
     */
    void look(boolean walWritten, long now) {
        if (walWritten) {
            written = true;
        }
        String mine = fingerprint;
        if (closed || now - nextLookAt < 0 || !(written || mine == null || connection.get() != null
                && dueAt(mine, now, streamMoves.getAsLong()))) {
            return;
        }
        nextLookAt = now + TimeUnit.MILLISECONDS.toNanos(EVERY_MILLIS);
        if (queued.compareAndSet(false, true)) {
            timer.execute(() -> {
                queued.set(false);
                written = false; // before the read: a write meanwhile makes the next look read again
                compare();
            });
        }
    }

    /** Whether a look read through the shared connection since the last call (the sweep's thread only). */
    boolean usedReads() {
        if (!usedReads) {
            return false;
        }
        usedReads = false;
        return true;
    }

    /** Whether this node's entry is to be written, or the others' read, at {@code now}. */
    private boolean dueAt(String mine, long now, long moves) {
        boolean changed = !mine.equals(lastPublished) || !lastDisagreement.isEmpty() || drops.getAsLong() != dropsAtPublish;
        return changed || now - lastPublishedAt >= quietNanos
                || now - comparedAt >= (moves != movesAtCompare ? MOVING_NANOS : quietNanos)
                || recheckAt != 0 && now - recheckAt >= 0;
    }

    /** Publishes this node's fingerprint and compares the cluster's; quietly tries again next time when it cannot. */
    void compare() {
        if (closed || !busy.tryLock()) {
            return;
        }
        try {
            if (fingerprint == null || !wal.unchangedSinceLastLook()) { // else nothing was committed: it stands
                wal.looking();
                fingerprint = null; // a failed read is read again, not taken for the old one
                fingerprint = reads.use(SchemaJournal::fingerprint);
                usedReads = true;
            }
            String mine = fingerprint;
            stats.schemaFingerprint = mine;
            Connection nc = connection.get();
            if (nc == null) {
                return;
            }
            long now = System.nanoTime();
            long moves = streamMoves.getAsLong();
            if (!dueAt(mine, now, moves)) {
                return;
            }
            boolean news = !mine.equals(lastPublished) || moves != movesAtCompare;
            KeyValue kv = bucket.open(nc);
            // Written when it changed, not at every look of a disagreement: the others read it, it has not moved.
            long dropped = drops.getAsLong();
            if (!mine.equals(lastPublished) || now - lastPublishedAt >= quietNanos || dropped != dropsAtPublish) {
                dropsAtPublish = dropped;
                kv.put("node-" + nodeId, mine.getBytes(StandardCharsets.UTF_8));
                lastPublished = mine;
                lastPublishedAt = now;
                quietNanos = QuietPeriod.draw();
            }
            comparedAt = now;
            rechecks = news ? 0 : rechecks + 1;
            recheckAt = rechecks < RECHECK_SECONDS.length ? now + TimeUnit.SECONDS.toNanos(RECHECK_SECONDS[rechecks]) : 0;
            movesAtCompare = moves;
            Map<String, String> differing = new TreeMap<>();
            for (String key : peerKeys.get(nc)) {
                KeyValueEntry e = kv.get(key);
                if (e != null && e.getValue() != null) {
                    String theirs = new String(e.getValue(), StandardCharsets.UTF_8);
                    if (!theirs.equals(mine) && livePeers.alive(nc, e)) {
                        differing.put(key.substring("node-".length()), theirs);
                    }
                }
            }
            String disagreement = differing.isEmpty() ? ""
                    : "node(s) " + String.join(", ", differing.keySet()) + " have another schema than this node (" + mine
                            + " here, " + differing + ")";
            warnIfLasting(disagreement, now);
            lastDisagreement = disagreement;
            stats.schemaDisagreement = disagreement;
        } catch (SQLException | IOException | JetStreamApiException | RuntimeException e) {
            bucket.forget();
            peerKeys.forget();
            lastPublished = ""; // looked at again next time
            log.debug("{} - comparing schema fingerprints: {}", nodeId, e.toString());
        } finally {
            busy.unlock();
        }
    }

    /**
     * Warns of a disagreement that lasted {@link #WARN_AFTER_NANOS}: nodes starting together create their tables
     * seconds apart, and each saw the others' schema differ for that long (a warning at every fresh start, without
     * cause). {@code stats()} shows it at once all the same.
     */
    private void warnIfLasting(String disagreement, long now) {
        if (disagreement.isEmpty()) {
            disagreeingSince = 0;
            warned = "";
            return;
        }
        if (disagreeingSince == 0) {
            disagreeingSince = now;
        }
        if (now - disagreeingSince >= WARN_AFTER_NANOS && !disagreement.equals(warned)) {
            log.warn("{} - the cluster's schemas differ, for {} s now: {}", nodeId,
                    TimeUnit.NANOSECONDS.toSeconds(now - disagreeingSince), disagreement);
            warned = disagreement;
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
