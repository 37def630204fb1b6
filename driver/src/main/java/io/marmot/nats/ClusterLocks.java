package io.marmot.nats;

import io.marmot.replication.Daemons;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster-wide locks in the JetStream key-value bucket {@code <stream-prefix>-locks}: a lock is a key created only if
 * absent, renewed every few seconds by its holder and expiring {@link #LEASE} after the last renewal, so a holder that
 * dies frees it within that time; a holder that stops normally deletes it.
 */
public final class ClusterLocks {
    private static final Logger log = LoggerFactory.getLogger(ClusterLocks.class);
    static final Duration LEASE = Duration.ofSeconds(15);
    private static final long RENEW_MILLIS = 4_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_=-]+");
    private final long nodeId;
    private final KvBucket bucket;
    /** Where held locks are renewed: one thread for the JVM ({@link MarmotRuntime}). */
    private final ScheduledExecutorService renewals;

    public ClusterLocks(long nodeId, io.marmot.config.StreamSettings streams, ScheduledExecutorService renewals) {
        this.nodeId = nodeId;
        this.renewals = renewals;
        this.bucket = new KvBucket(streams.streamPrefix() + "-locks", LEASE, streams.replicas());
    }

    /** Waits for the lock up to {@code timeout}; the returned handle releases it on close. */
    public AutoCloseable acquire(Supplier<Connection> connection, String name, Duration timeout) throws SQLException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SQLException("Invalid cluster lock name '" + name + "': letters, digits, '_', '-' and '=' only", "22023");
        }
        String key = "lock-" + name;
        byte[] holder = ("node " + nodeId + " since " + java.time.Instant.now()).getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "NATS is not connected";
        boolean waitingLogged = false;
        while (true) {
            Connection nc = connection.get();
            if (nc != null) {
                try {
                    KeyValue kv = bucket.open(nc);
                    try {
                        long revision = kv.create(key, holder);
                        log.info("{} - holds cluster lock '{}'", nodeId, name);
                        return new Held(kv, key, name, revision, holder);
                    } catch (JetStreamApiException taken) {
                        var entry = kv.get(key);
                        if (ours(entry, holder)) {
                            // An earlier attempt went through though its answer was lost (a request timed out under
                            // load): this node holds the lock, else it would wait for itself until the lease lapsed.
                            log.info("{} - holds cluster lock '{}'", nodeId, name);
                            return new Held(kv, key, name, entry.getRevision(), holder);
                        }
                        last = "held by " + (entry == null || entry.getValue() == null ? "another node"
                                : new String(entry.getValue(), StandardCharsets.UTF_8));
                        if (!waitingLogged) {
                            log.info("{} - waiting for cluster lock '{}' ({})", nodeId, name, last);
                            waitingLogged = true;
                        }
                    }
                } catch (IOException | JetStreamApiException e) {
                    last = e.toString();
                    bucket.forget(); // opened again next time, and created if it went with the server's store
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("Cluster lock '" + name + "' not acquired within " + timeout.toMillis() + " ms: " + last,
                        "HYT00");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for cluster lock '" + name + "'", "HY008", e);
            }
        }
    }

    /** Whether the entry is the lock as this holder wrote it (the holder text names the node and the moment). */
    private static boolean ours(KeyValueEntry entry, byte[] holder) {
        return entry != null && entry.getOperation() == KeyValueOperation.PUT && Arrays.equals(entry.getValue(), holder);
    }

    /** A held lock, renewed in the background until closed. */
    private final class Held implements AutoCloseable {
        private final KeyValue kv;
        private final String key;
        private final String name;
        private final byte[] holder;
        private final ScheduledFuture<?> renewal;
        private volatile long revision;
        private volatile boolean lost;
        private boolean released;

        Held(KeyValue kv, String key, String name, long revision, byte[] holder) {
            this.kv = kv;
            this.key = key;
            this.name = name;
            this.revision = revision;
            this.holder = holder;
            this.renewal = renewals.scheduleWithFixedDelay(this::renew, RENEW_MILLIS, RENEW_MILLIS, TimeUnit.MILLISECONDS);
        }

        /** Synchronized with {@link #close}: a renewal running late must not write the lock again after its release. */
        private synchronized void renew() {
            if (released) {
                return;
            }
            try {
                try {
                    revision = kv.update(key, holder, revision);
                } catch (IOException | JetStreamApiException e) {
                    if (!catchUpRevision()) {
                        throw e;
                    }
                    revision = kv.update(key, holder, revision); // once more, at the revision the entry has
                }
            } catch (IOException | JetStreamApiException e) {
                if (!lost) {
                    lost = true;
                    log.error("{} - could not renew cluster lock '{}' (another node may take it once it lapses): {}",
                            nodeId, name, e.toString());
                }
            }
        }

        /**
         * After a failed write: whether the entry still holds this lock at a newer revision (the write went through and
         * only its answer was lost); then that revision is taken, so renewing and releasing go on working.
         */
        private boolean catchUpRevision() {
            try {
                KeyValueEntry entry = kv.get(key);
                // Only a newer revision: a replica behind this node's last write answers with an older one.
                if (ours(entry, holder) && entry.getRevision() > revision) {
                    revision = entry.getRevision();
                    return true;
                }
            } catch (IOException | JetStreamApiException e) {
                log.debug("{} - reading cluster lock '{}': {}", nodeId, name, e.toString());
            }
            return false;
        }

        @Override
        public synchronized void close() {
            released = true;
            renewal.cancel(false);
            try {
                try {
                    kv.delete(key, revision);
                } catch (JetStreamApiException stale) {
                    if (!catchUpRevision()) {
                        throw stale;
                    }
                    kv.delete(key, revision);
                }
                log.info("{} - released cluster lock '{}'", nodeId, name);
            } catch (IOException | JetStreamApiException e) {
                log.warn("{} - releasing cluster lock '{}': {} (it lapses within {} s)", nodeId, name, e.toString(),
                        LEASE.toSeconds());
            }
        }
    }
}
