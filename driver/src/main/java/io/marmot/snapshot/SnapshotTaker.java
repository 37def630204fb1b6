package io.marmot.snapshot;

import io.marmot.config.MarmotConfig;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one snapshot and stores it, holding the taker lease so that one node at a time does: copy the database
 * beside itself, upload the copy with its manifest, point {@code newest} at it, and only then delete snapshots
 * beyond {@code snapshot-keep}.
 */
final class SnapshotTaker {
    private static final Logger log = LoggerFactory.getLogger(SnapshotTaker.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path database;
    private final MarmotConfig config;
    private final long nodeId;
    private final SnapshotStats stats;

    SnapshotTaker(Path database, MarmotConfig config, long nodeId, SnapshotStats stats) {
        this.database = database;
        this.config = config;
        this.nodeId = nodeId;
        this.stats = stats;
    }

    /**
     * Takes a snapshot unless another node holds the lease, or (with {@code expectedNewest} 0 or more) a snapshot
     * newer than the one at that revision of {@code newest} appeared meanwhile; null when it took none.
     */
    Manifest take(Connection nc, long expectedNewest) throws IOException, JetStreamApiException, SQLException {
        SnapshotStore store = new SnapshotStore(nc, config.streams());
        if (expectedNewest >= 0 && revision(store.newest()) != expectedNewest) {
            return null;
        }
        String holder = nodeId + " " + UUID.randomUUID();
        long lease = store.takeLease(holder);
        if (lease == 0) {
            log.debug("{} - another node is taking a snapshot", nodeId);
            return null;
        }
        AtomicLong held = new AtomicLong(lease);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(
                io.marmot.replication.Daemons.factory("marmot-" + nodeId + "-snapshot-lease"));
        long period = SnapshotStore.LEASE.toMillis() / 4;
        renewer.scheduleWithFixedDelay(() -> {
            try {
                held.set(store.renewLease(holder, held.get()));
            } catch (IOException | RuntimeException e) {
                log.debug("{} - renewing the snapshot lease: {}", nodeId, e.toString());
            }
        }, period, period, TimeUnit.MILLISECONDS);
        Path copy = database.resolveSibling(database.getFileName() + ".marmot-snapshot-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            long newest = revision(store.newest());
            if (expectedNewest >= 0 && newest != expectedNewest) {
                return null; // another node finished one while this one waited for the lease
            }
            long started = System.nanoTime();
            long createdMillis = System.currentTimeMillis();
            SnapshotCopy.Taken t = SnapshotCopy.take(database, copy);
            String name = "snapshot-" + STAMP.format(Instant.ofEpochMilli(createdMillis)) + "-node" + nodeId + "-"
                    + UUID.randomUUID().toString().substring(0, 8);
            Manifest m = new Manifest(Manifest.FORMAT, name, t.sourceNode() != 0 ? t.sourceNode() : nodeId, createdMillis,
                    t.positions(), t.schemaFingerprint(), t.sha256(), t.size(), t.rows(), true);
            long copied = System.nanoTime();
            store.upload(copy, m);
            try {
                store.pointNewest(name, newest);
            } catch (JetStreamApiException raced) {
                // only a lapsed lease lets this happen: the snapshot is stored and listed all the same
                log.warn("{} - snapshot {} is stored, but another node pointed 'newest' elsewhere meanwhile", nodeId, name);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            stats.taken.incrementAndGet();
            stats.lastBytes = t.size();
            stats.lastMillis = millis;
            stats.lastTakenAtMillis = createdMillis;
            log.info("{} - snapshot {} taken and stored: {} rows, {} bytes (copy {} ms, upload {} ms), positions {}", nodeId,
                    name, t.rows(), t.size(), (copied - started) / 1_000_000, (System.nanoTime() - copied) / 1_000_000,
                    m.positions());
            prune(store, name);
            return m;
        } finally {
            renewer.shutdownNow();
            store.releaseLease(held.get());
            Files.deleteIfExists(copy);
            Files.deleteIfExists(copy.resolveSibling(copy.getFileName() + "-journal"));
        }
    }

    /** Deletes what is beyond snapshot-keep, oldest first; the newest stays whatever its age. */
    private void prune(SnapshotStore store, String newest) throws IOException, JetStreamApiException {
        List<Manifest> all = store.list();
        int keep = config.snapshots().keep();
        for (int i = keep; i < all.size(); i++) {
            if (!all.get(i).name().equals(newest)) {
                store.delete(all.get(i).name());
                log.info("{} - deleted snapshot {} (snapshot-keep={})", nodeId, all.get(i).name(), keep);
            }
        }
    }

    static long revision(KeyValueEntry e) {
        return e == null ? 0 : e.getRevision();
    }
}
