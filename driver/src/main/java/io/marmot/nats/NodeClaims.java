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
 * ({@code <stream-prefix>-claims}) naming its database file's instance token and its JVM's liveness key
 * ({@link ClaimHolder}); a node that finds its id claimed by another database whose holder is alive refuses to
 * replicate until it is not, and says what to change. The same node restarting after a crash takes its claim back
 * at once (same instance token); another database takes over the id of one whose holder lapsed.
 */
public final class NodeClaims {
    private static final Logger log = LoggerFactory.getLogger(NodeClaims.class);
    /**
     * How often each engine looks at its claim (its JVM's liveness key renewed, at most one write for all its engines;
     * the claim itself written again only after that key lapsed). A claim another node took (only possible after
     * this JVM's key lapsed) is seen within this.
     */
    public static final Duration RENEW_EVERY = Duration.ofSeconds(20);
    /**
     * A claim is written again after this long in any case (spread over ±1 min, so databases opened together do not
     * write together): a claims bucket lost by itself (a server's store wiped while the liveness bucket lives on
     * another) is noticed without a lapse. A thousand databases: under two writes a second.
     */
    private static final long REWRITE_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Reads and writes tried per claim before this round gives up (each a few ms apart). */
    private static final int ATTEMPTS = 5;

    private final long nodeId;
    private final String instance;
    private final KvBucket bucket;
    private final String where;
    private final int replicas;
    private ClaimHolder holder;
    private Connection holderOn;
    private long lapsesSeen;
    private Write sampleSeen;
    private long rewriteAt;
    private volatile String conflict = "";
    private volatile Write lastWrite;
    private long revision; // of the claim this node wrote last; 0: none known
    private boolean sample = true; // whether this claim reads its entry back for the clock
    /**
     * A claim failed (the bucket unreachable, or lost with the server's store and created again by the next use): the
     * next renewal writes it, and the JVM's liveness key with it, whatever else that renewal finds.
     */
    private boolean owed;

    public NodeClaims(long nodeId, String instance, String streamPrefix, int replicas, String database) {
        this.nodeId = nodeId;
        this.instance = instance;
        this.bucket = new KvBucket(streamPrefix + "-claims", null, replicas);
        this.replicas = replicas;
        this.where = host() + ":" + database;
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
        ClaimHolder h = holder(nc);
        if (owed) {
            h.renewNext(); // its bucket was most likely lost with this one's
        }
        owed = true;
        h.keepLive(nc);
        lapsesSeen = h.lapses(); // a lapse after this asks for the claim again
        boolean holds = bucket.use(nc, kv -> claimOn(nc, h, kv));
        owed = false;
        return holds;
    }

    /**
     * The periodic look: renews the JVM's liveness key when due and writes the claim only when that key lapsed since
     * (or the last claim could not be written); {@link #lastWrite()} is then the holder's latest clock sample when
     * this node has not had it yet.
     */
    public synchronized boolean renew(Connection nc) throws IOException, JetStreamApiException {
        ClaimHolder h = holder(nc);
        h.keepLive(nc);
        if (owed || revision == 0 || !conflict.isEmpty() || h.lapses() != lapsesSeen
                || System.nanoTime() - rewriteAt > 0) {
            return claim(nc, true);
        }
        Write s = h.sample();
        lastWrite = s != sampleSeen ? s : null;
        sampleSeen = s;
        return conflict.isEmpty();
    }

    private ClaimHolder holder(Connection nc) {
        if (holderOn != nc) {
            holder = ClaimHolder.of(nc, replicas);
            holderOn = nc;
        }
        return holder;
    }

    /**
     * Reads are answered by any replica of the bucket (direct gets), and one that lags answers a read right after a
     * write with the previous revision. So a renewal writes at the revision this node wrote last, without reading;
     * a read that returns an older revision than this node's own last write is stale and read again; and the clock
     * sample is the entry read back by the revision the write returned, never whatever a replica holds.
     */
    private boolean claimOn(Connection nc, ClaimHolder h, KeyValue kv) throws IOException, JetStreamApiException {
        lastWrite = null;
        String key = "node-" + nodeId;
        byte[] value = (instance + " " + h.token() + " " + where).getBytes(StandardCharsets.UTF_8);
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
                String[] other = held.getValueAsString().split(" ", 3); // instance, holder, where
                if (!other[0].equals(instance)) {
                    String holderWhere = other.length == 3 ? other[2] : held.getValueAsString();
                    if (other.length == 3 && !h.alive(nc, other[1])) {
                        long written = kv.update(key, value, held.getRevision());
                        log.info("{} - node id {} was claimed by {}, whose process is no longer alive (its liveness"
                                + " key lapsed): this database takes the id over", nodeId, nodeId, holderWhere);
                        return written(kv, key, written, before, System.currentTimeMillis());
                    }
                    return conflict(holderWhere);
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
        rewriteAt = System.nanoTime() + REWRITE_NANOS
                + java.util.concurrent.ThreadLocalRandom.current().nextLong(-MINUTE_NANOS, MINUTE_NANOS);
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
