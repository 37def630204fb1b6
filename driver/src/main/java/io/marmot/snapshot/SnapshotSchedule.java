package io.marmot.snapshot;

import io.marmot.config.MarmotConfig;
import io.marmot.apply.MissedMessages;
import io.marmot.listen.ChangeListeners;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * When one node takes snapshots: every {@code snapshot-interval} after the newest one this node saw appear (the
 * node measures that on its own monotonic clock from the moment it saw the pointer change, so clocks of different
 * machines are never compared), and whenever a stream has grown by half its limits since the newest snapshot's
 * positions, so retention never drops messages no snapshot covers. Nodes due at the same moment race for the taker
 * lease; the loser sees the winner's snapshot appear and is no longer due. Also watches whether the newest snapshot
 * still covers what the streams dropped ({@code marmot_snapshot_covering}).
 */
public final class SnapshotSchedule {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSchedule.class);
    private static final long RETRY_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Path database;
    private final MarmotConfig config;
    private final long nodeId;
    private final Supplier<Connection> nats;
    private final BooleanSupplier outOfSync;
    private final Runnable healed;
    private final ChangeListeners listeners;
    private final io.marmot.clock.VersionWriters writers;
    private final SnapshotStats stats = new SnapshotStats();
    private final LongSupplier streamMoves;
    private final SnapshotTaker taker;
    private final StreamCoverage coverage;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Kept from tick to tick while the connection is the same: it keeps its buckets open. */
    private volatile SnapshotStore store;
    private long seenRevision = -1;
    private long seenAt = System.nanoTime();
    private Manifest newest;
    private long notBefore;
    private String lastHealAttempt = "";
    private String warnedNoCover = "";
    private volatile long movesAtLook = -1; // volatile: read by lookDue, on the connection's timer
    private volatile long lookedAt;
    private volatile long quietPeriod = io.marmot.replication.QuietPeriod.draw(); // drawn anew at every look: see quietLookNanos

    /**
     * @param nats the engine's NATS connection when connected, else null
     * @param outOfSync whether messages are recorded missed (then the newest snapshot that covers them is merged)
     * @param healed called after missed ranges were cleared by a merge
     * @param listeners told of the rows a merge changed (null: none to tell)
     * @param writers what the engine's writers of row versions share: its collector hears of the rows a merge changed
     * @param streamMoves grows whenever this node saw the streams move (null: look at every tick)
     */
    public SnapshotSchedule(Path database, MarmotConfig config, long nodeId, Supplier<Connection> nats,
            BooleanSupplier outOfSync, Runnable healed, ChangeListeners listeners, io.marmot.clock.VersionWriters writers,
            LongSupplier streamMoves) {
        this.writers = writers;
        this.database = database;
        this.config = config;
        this.nodeId = nodeId;
        this.nats = nats;
        this.outOfSync = outOfSync;
        this.healed = healed;
        this.listeners = listeners;
        this.streamMoves = streamMoves;
        this.taker = new SnapshotTaker(database, config, nodeId, stats);
        this.coverage = new StreamCoverage(config, nodeId, stats);
        stats.restored(RestoreProgress.takeResult(database));
    }

    /** How often {@link #tick()} should run. */
    public long tickMillis() {
        long interval = config.snapshots().interval().toMillis();
        return interval == 0 ? 5_000 : Math.max(1_000, Math.min(5_000, interval / 2));
    }

    public SnapshotStats stats() {
        return stats;
    }

    /**
     * How long a quiet node goes between looks: the streams grow only by messages this node sees, so while none came
     * the look is at the pointer (a snapshot another node took) and at what retention dropped, neither of which
     * hurries: a quiet period (once a minute cost a thousand quiet databases 31 requests a second), but ten looks
     * an interval at least, so a {@code snapshot-interval} keeps its pace.
     */
    long quietLookNanos() {
        long interval = config.snapshots().interval().toNanos();
        long sweep = interval == 0 ? quietPeriod : Math.min(quietPeriod, interval / 10);
        return Math.max(TimeUnit.MILLISECONDS.toNanos(tickMillis()), sweep);
    }

    /**
     * Whether a {@link #tick} would look (a check of fields and counters, asked on the connection's timer): a thousand
     * idle databases' ticks, each handed to the connection's threads every five seconds to find nothing to do, cost
     * 200 tasks a second.
     */
    public boolean lookDue() {
        Connection nc = nats.get();
        return nc != null && !quiet(nc, streamMoves == null ? -1 : streamMoves.getAsLong(), System.nanoTime());
    }

    /** The streams did not move since the last look, made on this connection, not long ago, and nothing is missed. */
    private boolean quiet(Connection nc, long moves, long at) {
        SnapshotStore s = store;
        return moves >= 0 && moves == movesAtLook && s != null && s.uses(nc) && at - lookedAt < quietLookNanos()
                && !outOfSync.getAsBoolean();
    }

    /** Looks at the newest snapshot and the streams; takes a snapshot when due. Never throws. */
    public void tick() {
        Connection nc = nats.get();
        if (nc == null || !busy.compareAndSet(false, true)) {
            return;
        }
        try {
            long moves = streamMoves == null ? -1 : streamMoves.getAsLong();
            long at = System.nanoTime();
            if (quiet(nc, moves, at)) {
                return; // a thousand idle databases looked twice every five seconds each: 400 requests a second
            }
            movesAtLook = moves;
            lookedAt = at;
            quietPeriod = io.marmot.replication.QuietPeriod.draw();
            if (store == null || !store.uses(nc)) {
                store = new SnapshotStore(nc, config.streams());
            }
            observeNewest(store);
            boolean grown = coverage.check(nc, newest);
            if (outOfSync.getAsBoolean()) {
                heal(store); // and take none: a copy of this node would lack what it missed
                return;
            }
            long now = System.nanoTime();
            boolean due = config.snapshots().takes() && now >= notBefore
                    && (now - seenAt >= config.snapshots().interval().toNanos() || grown);
            if (due) {
                try {
                    if (taker.take(nc, Math.max(seenRevision, 0)) != null) {
                        observeNewest(store);
                    }
                } catch (SQLException | IOException | JetStreamApiException | RuntimeException e) {
                    stats.failures.incrementAndGet();
                    notBefore = now + RETRY_AFTER_FAILURE_NANOS;
                    log.warn("{} - taking a snapshot failed, trying again in a minute: {}", nodeId, e.getMessage());
                }
            }
        } catch (IOException | JetStreamApiException | SQLException | RuntimeException e) {
            log.debug("{} - snapshot check: {}", nodeId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            busy.set(false);
        }
    }

    /**
     * Heals an out-of-sync node: merges the newest snapshot whose positions cover every missed range into the live
     * database, then forgets the ranges it covers. A snapshot that cannot be merged whole is not tried again until
     * the schema changes or a newer one appears.
     */
    private void heal(SnapshotStore store) throws IOException, JetStreamApiException, SQLException, InterruptedException {
        List<MissedMessages.Range> gaps;
        int schemaVersion;
        try (SQLiteConnection c = Sqlite.open(database)) {
            gaps = MissedMessages.ranges(c);
            schemaVersion = SchemaReader.schemaVersion(c);
        }
        if (gaps.isEmpty()) {
            return;
        }
        Manifest covering = null;
        for (Manifest m : store.list()) {
            if (gaps.stream().allMatch(g -> m.seq(g.stream()) >= g.last())) {
                covering = m;
                break;
            }
        }
        if (covering == null) {
            String key = gaps.toString();
            if (!key.equals(warnedNoCover)) {
                warnedNoCover = key;
                log.error("{} - OUT OF SYNC and no stored snapshot covers what this node missed ({}): it stays out of sync."
                        + " Take a snapshot on a node that is in sync (io.marmot.Marmot.saveSnapshot, or the sidecar's"
                        + " --save-snapshot): this node merges it by itself.", nodeId, gaps);
            }
            return;
        }
        String attempt = covering.name() + "@" + schemaVersion;
        if (attempt.equals(lastHealAttempt)) {
            return;
        }
        lastHealAttempt = attempt;
        Path temp = database.resolveSibling(database.getFileName() + ".marmot-merge");
        long started = System.nanoTime();
        try {
            log.warn("{} - OUT OF SYNC ({}): merging snapshot {} of node {} into the live database", nodeId, gaps,
                    covering.name(), covering.sourceNode());
            String refused = SnapshotDownload.fetch(store, covering, temp, database);
            if (refused != null) {
                log.warn("{} - snapshot {} refused: {}; trying again later", nodeId, covering.name(), refused);
                lastHealAttempt = "";
                notBefore = System.nanoTime() + RETRY_AFTER_FAILURE_NANOS;
                return;
            }
            SnapshotMerge.Outcome o = SnapshotMerge.merge(database, temp, covering, config, nodeId, writers);
            if (listeners != null && !o.changed().isEmpty()) { // committed, whole or in part
                listeners.snapshotMerged(o.changed());
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            stats.merges++;
            stats.mergedRows += o.rows();
            stats.mergeMillis = millis;
            if (!o.complete()) {
                log.error("{} - merged {} rows of snapshot {} ({} applied, {} older than here) in {} ms, but not all of it:"
                        + " {}. The node stays OUT OF SYNC; it merges again after a schema change or a newer snapshot.",
                        nodeId, o.rows(), covering.name(), o.applied(), o.stale(), millis, o.problems());
                return;
            }
            Manifest m = covering;
            int cleared;
            try (SQLiteConnection c = Sqlite.open(database)) {
                cleared = Sqlite.inWriteTransaction(c, tx -> {
                    int n = 0;
                    for (String stream : gaps.stream().map(MissedMessages.Range::stream).distinct().toList()) {
                        n += MissedMessages.clearCovered(tx, stream, m.seq(stream));
                    }
                    return n;
                });
            }
            healed.run();
            log.info("{} - healed: merged {} rows of snapshot {} ({} applied, {} older than here) in {} ms ({} rows/s);"
                    + " {} missed range(s) cleared", nodeId, o.rows(), covering.name(), o.applied(), o.stale(), millis,
                    o.rows() * 1000 / Math.max(1, millis), cleared);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Takes a snapshot now (waiting up to {@code wait} while another node takes one), on the engine's connection.
     */
    public Manifest saveNow(Duration wait) throws SQLException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Connection nc = nats.get();
            if (nc != null) {
                try {
                    Manifest m = taker.take(nc, -1);
                    if (m != null) {
                        return m;
                    }
                } catch (IOException | JetStreamApiException e) {
                    throw new SQLException("taking a snapshot failed: " + e.getMessage(), e);
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new SQLException(nc == null ? "not connected to NATS: no snapshot taken"
                        : "another node kept taking a snapshot for " + wait.toSeconds() + " s: no snapshot taken");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting to take a snapshot", e);
            }
        }
    }

    private void observeNewest(SnapshotStore store) throws IOException, JetStreamApiException {
        KeyValueEntry e = store.newest();
        long revision = SnapshotTaker.revision(e);
        if (revision != seenRevision) {
            seenRevision = revision;
            if (revision != 0) {
                seenAt = System.nanoTime(); // a snapshot appeared: the interval counts from now
                newest = store.manifest(new String(e.getValue(), StandardCharsets.UTF_8));
            }
        }
    }
}
