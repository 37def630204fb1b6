package io.marmot.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node id, one live node. Each node holds a claim on its id in a JetStream key-value bucket
 * ({@code <stream-prefix>-nodes}), renewed every few seconds and expiring a little later; a node that finds its id
 * claimed by another database refuses to replicate until the claim lapses, and says what to change. The claim
 * names the database file's instance token, so the same node restarting after a crash takes its claim back at once.
 */
public final class NodeClaims {
    private static final Logger log = LoggerFactory.getLogger(NodeClaims.class);
    /**
     * How long a claim outlives its last renewal: only a crashed node's id waits this long for another database (a
     * clean stop gives it up, the same file restarting takes it back at once).
     */
    static final Duration LEASE = Duration.ofSeconds(60);
    /**
     * Three renewals a lease, so a claim survives two missed ones. A thousand databases renewing every 6 s cost the
     * server 167 key-value writes a second while idle; every 20 s, 50. A claim another node took (only possible after
     * this one lapsed) is seen at the next renewal, within this.
     */
    public static final Duration RENEW_EVERY = Duration.ofSeconds(20);
    /** Reads and writes tried per claim before this round gives up (each a few ms apart). */
    private static final int ATTEMPTS = 5;

    private final long nodeId;
    private final String instance;
    private final KvBucket bucket;
    private final String claim;
    private volatile String conflict = "";
    private volatile Write lastWrite;
    private long revision; // of the claim this node wrote last; 0: none known
    private boolean sample = true; // whether this claim reads its entry back for the clock

    public NodeClaims(long nodeId, String instance, String streamPrefix, int replicas, String database) {
        this.nodeId = nodeId;
        this.instance = instance;
        this.bucket = new KvBucket(streamPrefix + "-nodes", LEASE, replicas);
        this.claim = instance + " " + host() + ":" + database;
    }

    /**
     * Takes or renews the claim; false (and {@link #conflict()} says why) when another live node holds this id.
     */
    public synchronized boolean claim(Connection nc) throws IOException, JetStreamApiException {
        return claim(nc, true);
    }

    /**
     * As {@link #claim(Connection)}; with {@code sampleClock} false the written entry is not read back, so
     * {@link #lastWrite()} stays null: a renewal costs one key-value operation instead of two.
     */
    public synchronized boolean claim(Connection nc, boolean sampleClock) throws IOException, JetStreamApiException {
        sample = sampleClock;
        return bucket.use(nc, this::claimOn);
    }

    /**
     * Reads are answered by any replica of the bucket (direct gets), and one that lags answers a read right after a
     * write with the previous revision. So a renewal writes at the revision this node wrote last, without reading;
     * a read that returns an older revision than this node's own last write is stale and read again; and the clock
     * sample is the entry read back by the revision the write returned, never whatever a replica holds.
     */
    private boolean claimOn(KeyValue kv) throws IOException, JetStreamApiException {
        lastWrite = null;
        String key = "node-" + nodeId;
        byte[] value = claim.getBytes(StandardCharsets.UTF_8);
        if (revision != 0) {
            long before = System.currentTimeMillis();
            try {
                long written = kv.update(key, value, revision);
                return written(kv, key, written, before, System.currentTimeMillis());
            } catch (JetStreamApiException changed) {
                // expired, released or written by another claimant since: look
            }
        } else {
            // Mostly a new node's first claim, which no one holds: a create alone takes it (it fails when any claim
            // is there), without the read first that cost every database opening a request more.
            long before = System.currentTimeMillis();
            try {
                long written = kv.create(key, value);
                return written(kv, key, written, before, System.currentTimeMillis());
            } catch (JetStreamApiException held) {
                // a claim is there (this node's own from before a crash, or another's): look
            }
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            KeyValueEntry held = kv.get(key);
            if (held != null && held.getRevision() < revision) {
                pause(); // a replica behind this node's own last write: ask again
                continue;
            }
            long before = System.currentTimeMillis();
            try {
                if (held == null || held.getValue() == null) {
                    long written = kv.create(key, value);
                    return written(kv, key, written, before, System.currentTimeMillis());
                }
                String holder = held.getValueAsString();
                if (!holder.startsWith(instance + " ")) {
                    return conflict(holder.substring(holder.indexOf(' ') + 1));
                }
                long written = kv.update(key, value, held.getRevision());
                return written(kv, key, written, before, System.currentTimeMillis());
            } catch (JetStreamApiException raced) {
                pause(); // changed under us, or the read was stale after all: look again
            }
        }
        // Only this node's own claim (or none) was seen: no sign of another claimant, so the last verdict stands.
        // The revision is forgotten in case the bucket was created anew (its revisions start again from 1).
        revision = 0;
        log.debug("{} - could not renew the claim on node id {} this time (answers kept lagging or racing)", nodeId, nodeId);
        return conflict.isEmpty();
    }

    /** Gives the id up at a clean stop, so another database may take it at once (a crash leaves it to expire). */
    public synchronized void release(Connection nc) {
        try {
            KeyValue kv = bucket.open(nc);
            if (revision != 0) {
                try {
                    kv.delete("node-" + nodeId, revision); // as written last: no replica's stale answer in the way
                    return;
                } catch (JetStreamApiException changed) {
                    // not ours any more, or changed since: look
                }
            }
            KeyValueEntry held = kv.get("node-" + nodeId);
            if (held != null && held.getValue() != null && held.getValueAsString().startsWith(instance + " ")) {
                kv.delete("node-" + nodeId, held.getRevision());
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.debug("{} - releasing the node id: {}", nodeId, e.toString());
        }
    }

    /** Empty while this node holds its id; else what is wrong, for /health. */
    public String conflict() {
        return conflict;
    }

    /**
     * The claim this node wrote in its last {@link #claim}, with its server timestamp and the local clock read right
     * before and after the write (a sample of the shared clock); null when that claim wrote nothing or its entry
     * could not be read back by its revision.
     */
    public Write lastWrite() {
        return lastWrite;
    }

    /** A claim written at {@code serverMillis} (epoch ms, the server's clock), sent at {@code before}, answered at {@code after}. */
    public record Write(long before, long serverMillis, long after) {
    }

    private boolean written(KeyValue kv, String key, long written, long before, long after) throws IOException {
        revision = written;
        for (int attempt = 0; sample && attempt < ATTEMPTS; attempt++) {
            KeyValueEntry mine;
            try {
                mine = kv.get(key, written);
            } catch (JetStreamApiException notThereYet) {
                mine = null;
            }
            if (mine != null && mine.getRevision() == written && mine.getCreated() != null) {
                lastWrite = new Write(before, mine.getCreated().toInstant().toEpochMilli(), after);
                break;
            }
            pause(); // the replica that answered has not got the write yet
        }
        return clear();
    }

    private static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }

    private boolean clear() {
        if (!conflict.isEmpty()) {
            log.info("{} - node id {} is free again: replicating", nodeId, nodeId);
        }
        conflict = "";
        return true;
    }

    private boolean conflict(String holder) {
        String message = "node id " + nodeId + " is in use by another live node (" + holder + "): this node does not"
                + " replicate until it has an id of its own. Give it another node-id, or leave node-id out for a fresh one.";
        if (!message.equals(conflict)) {
            log.error("{} - {}", nodeId, message);
        }
        conflict = message;
        return false;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }
}
