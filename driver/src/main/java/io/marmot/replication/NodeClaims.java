package io.marmot.replication;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node id, one live node. Each node holds a claim on its id in a JetStream key-value bucket
 * ({@code <stream-prefix>-nodes}), renewed every few seconds and expiring a little later; a node that finds its id
 * claimed by another database refuses to replicate until the claim lapses, and says what to change. The claim
 * names the database file's instance token, so the same node restarting after a crash takes its claim back at once.
 */
final class NodeClaims {
    private static final Logger log = LoggerFactory.getLogger(NodeClaims.class);
    static final Duration LEASE = Duration.ofSeconds(20);
    static final Duration RENEW_EVERY = Duration.ofSeconds(3);

    private final long nodeId;
    private final String instance;
    private final KvBucket bucket;
    private final String claim;
    private volatile String conflict = "";
    private volatile long lastWriteMillis;

    NodeClaims(long nodeId, String instance, String streamPrefix, int replicas, String database) {
        this.nodeId = nodeId;
        this.instance = instance;
        this.bucket = new KvBucket(streamPrefix + "-nodes", LEASE, replicas);
        this.claim = instance + " " + host() + ":" + database;
    }

    /**
     * Takes or renews the claim; false (and {@link #conflict()} says why) when another live node holds this id.
     */
    synchronized boolean claim(Connection nc) throws IOException, JetStreamApiException {
        return bucket.use(nc, this::claimOn);
    }

    private boolean claimOn(KeyValue kv) throws IOException, JetStreamApiException {
        String key = "node-" + nodeId;
        byte[] value = claim.getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 3; attempt++) {
            KeyValueEntry held = kv.get(key);
            if (held == null || held.getValue() == null) {
                try {
                    kv.create(key, value);
                    return written(kv, key);
                } catch (JetStreamApiException raced) {
                    continue; // another claimant was quicker: look again
                }
            }
            String holder = held.getValueAsString();
            if (!holder.startsWith(instance + " ")) {
                return conflict(holder.substring(holder.indexOf(' ') + 1));
            }
            try {
                kv.update(key, value, held.getRevision());
                return written(kv, key);
            } catch (JetStreamApiException raced) {
                // changed under us: look again
            }
        }
        return conflict("another node (it keeps changing the claim)");
    }

    /** Gives the id up at a clean stop, so another database may take it at once (a crash leaves it to expire). */
    synchronized void release(Connection nc) {
        try {
            KeyValue kv = bucket.open(nc);
            KeyValueEntry held = kv.get("node-" + nodeId);
            if (held != null && held.getValue() != null && held.getValueAsString().startsWith(instance + " ")) {
                kv.delete("node-" + nodeId, held.getRevision());
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            log.debug("{} - releasing the node id: {}", nodeId, e.toString());
        }
    }

    /** Empty while this node holds its id; else what is wrong, for /health. */
    String conflict() {
        return conflict;
    }

    /** The server's timestamp of the last claim written (epoch ms), 0 when none: a sample of the shared clock. */
    long lastWriteMillis() {
        return lastWriteMillis;
    }

    private boolean written(KeyValue kv, String key) throws IOException, JetStreamApiException {
        KeyValueEntry mine = kv.get(key);
        lastWriteMillis = mine == null || mine.getCreated() == null ? 0 : mine.getCreated().toInstant().toEpochMilli();
        return clear();
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
