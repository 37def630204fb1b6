package io.marmot.engine;

import io.marmot.replication.ReplicationCounters;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the set-up of the NATS connection this node has now (the change streams, its claim on its id, the
 * publisher and the applier started) is done: every (re)connection sets them up again, and until that ends nothing
 * is published or applied, so the node is not ready. Seen on a fresh embedded R3 cluster: a node connected, said
 * ready, and its first claim then waited 5 s for the node-claims bucket's leader before it started publishing and
 * applying; a row written elsewhere meanwhile reached it 4.7 s later.
 */
final class ConnectionSetUp {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);

    private final long nodeId;
    private final ReplicationCounters stats;
    private final BooleanSupplier connected;
    /** False from the start of a (re)connection's set-up (and before the first) until one attempt succeeds. */
    private volatile boolean done;

    ConnectionSetUp(long nodeId, ReplicationCounters stats, BooleanSupplier connected) {
        this.nodeId = nodeId;
        this.stats = stats;
        this.connected = connected;
    }

    /** A set-up attempt begins: the connection it is for is not set up until it succeeds. */
    void begun() {
        done = false;
    }

    void succeeded() {
        stats.setUpSucceeded();
        done = true;
    }

    void failed(Exception e, long retryMillis) {
        stats.setUpFailed(e);
        log.warn("{} - setting up JetStream failed (is JetStream enabled on the server?), retrying in {} ms: {}",
                nodeId, retryMillis, e.toString());
    }

    /**
     * One sentence for {@code health()}, empty when set up (or not connected, which is said already). Once an attempt
     * failed for {@link Health#STUCK_AFTER_MILLIS} {@link Health} says so with the error, so this stays quiet then.
     */
    String problem() {
        if (done || !connected.getAsBoolean()) {
            return "";
        }
        long failing = stats.read().setUpFailingSinceMillis();
        if (failing != 0 && System.currentTimeMillis() - failing >= Health.STUCK_AFTER_MILLIS) {
            return "";
        }
        return "connected to NATS, setting up the change streams and this node's claim on its id (nothing is"
                + " published or applied until that is done; a new cluster may still be electing their leaders)";
    }
}
