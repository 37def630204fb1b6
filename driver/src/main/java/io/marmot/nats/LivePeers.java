package io.marmot.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the node behind a peer's entry in one of the engine's buckets ({@code node-<id>}) may still run: not when
 * its node-id claim ({@link NodeClaims}) names a holder whose liveness key lapsed, as a crashed process's does. Entries
 * that are written only when they change outlive a crashed node; a look that finds one differing from its own asks
 * this before it calls the difference a disagreement. A claim that is missing says nothing (released at a clean stop,
 * or lost with the server's store while its node runs on): such a node counts as running, and a cleanly stopped
 * node's entry lapses with the bucket's entry lifetime. A live verdict is asked again after {@link #ALIVE_NANOS}, a
 * dead one when the entry is written again (a node writes its entry when it starts) or after {@link #DEAD_NANOS}.
 * Only differing entries are asked about, so an agreeing cluster pays nothing.
 */
public final class LivePeers {
    private static final Logger log = LoggerFactory.getLogger(LivePeers.class);
    private static final long ALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long DEAD_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final KvBucket claims;
    private final int replicas;
    /** Key → revision of its entry when its node was found not running, and when that was. */
    private final Map<String, long[]> deadAt = new HashMap<>();
    /** Key → System.nanoTime() until which its node counts as running without asking. */
    private final Map<String, Long> aliveUntil = new HashMap<>();

    public LivePeers(String streamPrefix, int replicas) {
        this.claims = new KvBucket(streamPrefix + "-claims", null, replicas);
        this.replicas = replicas;
    }

    /**
     * Whether {@code entry} (a peer's, keyed {@code node-<id>}) comes from a node that runs; when that cannot be
     * read (the claims out of reach, an account without access to them), yes: a false alarm beats a missed one.
     */
    public synchronized boolean alive(Connection nc, KeyValueEntry entry) {
        String key = entry.getKey();
        long now = System.nanoTime();
        long[] dead = deadAt.get(key);
        if (dead != null && dead[0] == entry.getRevision() && now - dead[1] < DEAD_NANOS) {
            return false;
        }
        Long until = aliveUntil.get(key);
        if (until != null && now - until < 0) {
            return true;
        }
        boolean alive = claimHeld(nc, key);
        if (alive) {
            aliveUntil.put(key, now + ALIVE_NANOS);
            deadAt.remove(key);
        } else {
            deadAt.put(key, new long[] {entry.getRevision(), now});
            aliveUntil.remove(key);
        }
        return alive;
    }

    /** A claim naming no holder (written by an older version) counts as held, as a missing one does. */
    private boolean claimHeld(Connection nc, String key) {
        try {
            KeyValueEntry claim = claims.use(nc, kv -> kv.get(key));
            if (claim == null || claim.getValue() == null) {
                return true;
            }
            String[] parts = claim.getValueAsString().split(" ", 3); // instance, holder, where
            return parts.length < 3 || ClaimHolder.of(nc, replicas).alive(nc, parts[1]);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.debug("whether the node of {} runs could not be read: {}", key, e.toString());
            return true;
        }
    }
}
