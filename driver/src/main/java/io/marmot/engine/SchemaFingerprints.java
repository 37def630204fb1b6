package io.marmot.engine;

import io.marmot.sqlite.OnDemandConnection;
import io.marmot.sqlite.QuietFile;
import io.marmot.nats.PeerKeys;
import io.marmot.nats.KvBucket;
import io.marmot.replication.Daemons;
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
 * (a stopped node's entry lapses after {@link #ENTRY_TTL}) and compares the others' with its own: within 3 s of a
 * change here and while they differ, every 10 s while its streams move (another node's schema change reaches it as a
 * message), every minute otherwise. {@code stats()} and {@code /health} show whether the cluster agrees, and which
 * nodes differ. It reads through the schema watcher's connection ({@link OnDemandConnection}), and only when the
 * WAL was written since its last look. The JVM's sweep of local looks ({@link DatabaseLook}) decides when: it hands a
 * look to the fingerprint thread only when that look has something to do, so a quiet node costs that thread nothing
 * between its once-a-minute rewrites.
 */
final class SchemaFingerprints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaFingerprints.class);
    /** Three quiet re-writes: a stopped node's entry lapses within three minutes, a live one's never. */
    static final Duration ENTRY_TTL = Duration.ofMinutes(3);
    private static final long EVERY_MILLIS = 3_000;
    /** A disagreement is logged once it lasted this long (compared every {@link #EVERY_MILLIS} while it lasts). */
    static final long WARN_AFTER_NANOS = TimeUnit.SECONDS.toNanos(15);
    /**
     * With nothing changed here and the cluster agreeing, the others' entries are read only this often while the
     * streams move: a thousand databases each reading every three seconds cost the server hundreds of requests a second.
     * A change here, or a disagreement, is compared at every look.
     */
    private static final long MOVING_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** With the streams still too, the entry is written again and the others' read only this often. */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final long nodeId;
    private final Path database;
    private final KvBucket bucket;
    private final PeerKeys peerKeys;
    private final ReplicationCounters stats;
    private final Supplier<Connection> connection;
    private final LongSupplier streamMoves;
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
    private volatile long comparedAt;
    private volatile long movesAtCompare = -1;
    /**
     * A comparison made because the streams moved is made once more this much later (0: none due): the node whose
     * schema change moved them publishes its new fingerprint only after its own next look, and a node that compared
     * before that saw no difference and, quiet, would not look again for a minute.
     */
    private volatile long recheckAt;
    private volatile boolean closed;
    private final java.util.concurrent.locks.ReentrantLock busy = new java.util.concurrent.locks.ReentrantLock();

    SchemaFingerprints(long nodeId, Path database, String streamPrefix, int replicas, ReplicationCounters stats,
            Supplier<Connection> connection, LongSupplier streamMoves, ScheduledExecutorService timer,
            OnDemandConnection reads) {
        this.reads = reads;
        this.nodeId = nodeId;
        this.timer = timer;
        this.database = database;
        this.wal = new QuietFile(Path.of(database + "-wal"));
        this.bucket = new KvBucket(streamPrefix + "-schemas", ENTRY_TTL, replicas);
        this.peerKeys = new PeerKeys(bucket, "node-" + nodeId, 6); // listed once a minute at most while quiet
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
        boolean changed = !mine.equals(lastPublished) || !lastDisagreement.isEmpty();
        return changed || now - lastPublishedAt >= QUIET_NANOS
                || now - comparedAt >= (moves != movesAtCompare ? MOVING_NANOS : QUIET_NANOS)
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
            boolean changed = !mine.equals(lastPublished) || !lastDisagreement.isEmpty();
            boolean republish = now - lastPublishedAt >= QUIET_NANOS;
            if (!dueAt(mine, now, moves)) {
                return;
            }
            KeyValue kv = bucket.open(nc);
            if (changed || republish) {
                kv.put("node-" + nodeId, mine.getBytes(StandardCharsets.UTF_8));
                lastPublished = mine;
                lastPublishedAt = now;
            }
            comparedAt = now;
            recheckAt = moves != movesAtCompare ? now + MOVING_NANOS : 0;
            movesAtCompare = moves;
            Map<String, String> differing = new TreeMap<>();
            for (String key : peerKeys.get(nc)) {
                KeyValueEntry e = kv.get(key);
                if (e != null && e.getValue() != null) {
                    String theirs = new String(e.getValue(), StandardCharsets.UTF_8);
                    if (!theirs.equals(mine)) {
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
