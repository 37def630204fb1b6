package io.marmot.nats;

import io.marmot.replication.MarmotRuntime;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.MessageInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's liveness on one NATS connection, which every node-id claim it writes names ({@link NodeClaims}): one key
 * {@code live-<token>} in the bucket {@value #BUCKET}, renewed every 10 to 20 s and expiring {@link #LEASE} after the
 * last renewal. A claim stays written (its bucket keeps entries for good); another database may take an id over only
 * once the claim's holder is not alive. So a thousand idle databases cost one key-value write per renewal period
 * instead of a thousand (issue 24: 50 writes a second while idle, for the claims alone). A holder that finds its key
 * lapsed (the JVM stood still or was cut off for longer than the lease) has every engine write its claim again,
 * which is when an engine learns that another database took its id meanwhile.
 */
final class ClaimHolder {
    private static final Logger log = LoggerFactory.getLogger(ClaimHolder.class);
    /** Shared by every stream prefix: a JVM's thousand tenants (each its own prefix) renew one key, not a thousand. */
    static final String BUCKET = "marmot-live";
    static final Duration LEASE = Duration.ofSeconds(60);
    /** A renewal reads its write back for its server timestamp this often: a clock drifts slowly. */
    private static final long SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Renewed at most this often, by whichever engine's look ({@link NodeClaims#RENEW_EVERY}, 20 s) comes first after
     * it: one engine alone renews every 20 s, three renewals a lease.
     */
    private static final long RENEW_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int KEY_NOT_FOUND = 10037;

    private final KvBucket bucket;
    private final String token = UUID.randomUUID().toString();
    private final String key = "live-" + token;
    private Connection renewedOn;
    private long renewedAt;
    private long revision;
    private volatile long lapses;
    private volatile NodeClaims.Write sample;
    private long sampledAt;

    ClaimHolder(int replicas) {
        this.bucket = new KvBucket(BUCKET, LEASE, replicas);
    }

    /** This JVM's holder on {@code nc} (one of its own when no runtime is open, as in a test of the claims alone). */
    static ClaimHolder of(Connection nc, int replicas) {
        MarmotRuntime runtime = MarmotRuntime.existing();
        if (runtime == null) {
            return new ClaimHolder(replicas);
        }
        Map<Connection, ClaimHolder> holders = NatsShared.of(runtime).holders;
        synchronized (holders) {
            return holders.computeIfAbsent(nc, c -> new ClaimHolder(replicas));
        }
    }

    /** What a claim names its holder by. */
    String token() {
        return token;
    }

    /** Counts the times the key had to be written anew after it lapsed: each asks the engines to claim again. */
    long lapses() {
        return lapses;
    }

    /**
     * Renews the key when due: at most one write per {@code RENEW_NANOS} however many engines ask, and always before
     * a claim names it on a connection (a claim naming a missing key may be taken over).
     */
    synchronized void keepLive(Connection nc) throws IOException, JetStreamApiException {
        if (renewedOn != nc || System.nanoTime() - renewedAt > RENEW_NANOS) {
            renew(nc);
        }
    }

    /** The next {@link #keepLive} writes the key, due or not (a claim failed: the store may have been lost). */
    synchronized void renewNext() {
        renewedOn = null;
    }

    /** The latest clock sample this holder's renewals took (see {@link NodeClaims#lastWrite()}); null: none yet. */
    NodeClaims.Write sample() {
        return sample;
    }

    private void renew(Connection nc) throws IOException, JetStreamApiException {
        byte[] value = token.getBytes(StandardCharsets.UTF_8);
        bucket.use(nc, kv -> {
            if (revision != 0) {
                try {
                    long before = System.currentTimeMillis();
                    revision = kv.update(key, value, revision);
                    renewed(nc, kv, before);
                    return null;
                } catch (JetStreamApiException lapsed) {
                    // expired (the lease passed without a renewal), or the bucket is new: written anew below
                }
            }
            boolean renewedBefore = revision != 0;
            boolean lapsed;
            long before = System.currentTimeMillis();
            try {
                revision = kv.create(key, value);
                lapsed = renewedBefore; // the key was gone
            } catch (JetStreamApiException there) {
                KeyValueEntry e = kv.get(key); // this holder's own write, whose answer was lost: no lapse, no alarm
                if (e == null || !token.equals(e.getValueAsString())) {
                    throw there;
                }
                revision = e.getRevision();
                lapsed = false;
            }
            if (lapsed) {
                lapses++;
                log.warn("this JVM's liveness key {} was gone (not renewed within {} s, or its bucket was lost): its"
                        + " databases claim their node ids again, and one whose id another database took meanwhile"
                        + " stops replicating", key, LEASE.toSeconds());
            }
            renewed(nc, kv, before);
            return null;
        });
    }

    /** Reads the write back by its revision (never a lagging replica's older entry) when a clock sample is due. */
    private void renewed(Connection nc, KeyValue kv, long before) throws IOException {
        long after = System.currentTimeMillis();
        renewedOn = nc;
        renewedAt = System.nanoTime();
        if (sample != null && renewedAt - sampledAt < SAMPLE_NANOS) {
            return;
        }
        try {
            KeyValueEntry mine = kv.get(key, revision);
            if (mine != null && mine.getRevision() == revision && mine.getCreated() != null) {
                sample = new NodeClaims.Write(before, mine.getCreated().toInstant().toEpochMilli(), after);
                sampledAt = renewedAt;
            }
        } catch (JetStreamApiException notThereYet) {
            // the replica that answered has not got the write yet: the next renewal samples
        }
    }

    /**
     * Whether the holder named {@code token} is alive. Absence is confirmed by the bucket's leader: a replica that
     * lags may not have a key written a moment ago, and taking over a live node's id would let two nodes run as one.
     */
    boolean alive(Connection nc, String token) throws IOException, JetStreamApiException {
        String theirs = "live-" + token;
        KeyValueEntry e = bucket.open(nc).get(theirs);
        if (e != null && e.getValue() != null) {
            return true;
        }
        try {
            MessageInfo m = nc.jetStreamManagement().getLastMessage("KV_" + BUCKET, "$KV." + BUCKET + "." + theirs);
            String op = m.getHeaders() == null ? null : m.getHeaders().getFirst("KV-Operation");
            return op == null; // a put; DEL or PURGE: gone
        } catch (JetStreamApiException missing) {
            if (missing.getApiErrorCode() == KEY_NOT_FOUND) {
                return false;
            }
            throw missing;
        }
    }
}
