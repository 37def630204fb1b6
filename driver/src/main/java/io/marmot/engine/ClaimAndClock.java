package io.marmot.engine;

import io.marmot.clock.Hlc;
import io.marmot.config.MarmotConfig;
import io.marmot.nats.NatsLink;
import io.marmot.nats.NodeClaims;
import io.marmot.publish.Publisher;
import io.marmot.replication.ReplicationCounters;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's claim on its id, taken on every connection and renewed every few seconds. Each claim is a write
 * whose server timestamp is known, so it also samples this node's clock against the cluster's reference and
 * corrects the publisher's clock by it.
 */
final class ClaimAndClock {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);
    /** While the bucket cannot be used, tries come 3, 6, 12, ... s apart, at most a minute. */
    private static final long CLAIM_RETRY_MOST_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long REFUSED_RETRY_MILLIS = 3_000;

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationCounters stats;
    private final NodeClaims claims;
    private final Publisher publisher;
    private final ClockReference clock = new ClockReference();
    private volatile boolean claimUnavailable;
    private volatile long lastClaimAttempt;
    private volatile long claimRetryNanos;
    private final NatsLink link;
    private final Runnable renew;
    private final AtomicBoolean retrying = new AtomicBoolean();

    /** @param renew renews the claim on the link's threads; run every few seconds while another node holds the id */
    ClaimAndClock(long nodeId, MarmotConfig config, ReplicationCounters stats, NodeClaims claims, Publisher publisher,
            NatsLink link, Runnable renew) {
        this.link = link;
        this.renew = renew;
        this.nodeId = nodeId;
        this.config = config;
        this.stats = stats;
        this.claims = claims;
        this.publisher = publisher;
    }

    /**
     * False for a while after the key-value bucket was found unavailable (longer after each failure in a row, a minute
     * at most); true (an attempt is due) otherwise.
     */
    boolean due() {
        if (claimUnavailable && System.nanoTime() - lastClaimAttempt < claimRetryNanos) {
            return false;
        }
        lastClaimAttempt = System.nanoTime();
        return true;
    }

    /** Claims the node id; the claim's server timestamp, bracketed by local readings, measures this clock. */
    boolean claim(io.nats.client.Connection nc, boolean holdsClaim) {
        return claim(nc, holdsClaim, false);
    }

    /** The periodic look at the claim (see {@link NodeClaims#renew}): written again only when it has to be. */
    boolean renew(io.nats.client.Connection nc, boolean holdsClaim) {
        return claim(nc, holdsClaim, holdsClaim);
    }

    private boolean claim(io.nats.client.Connection nc, boolean holdsClaim, boolean renewal) {
        boolean holds;
        try {
            holds = renewal ? claims.renew(nc) : claims.claim(nc, clock.sampleDue());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // A server or account without key-value access (or a moment of failover) must not stop replication:
            // it only means duplicate node ids go undetected meanwhile, which is said. A bucket still electing its
            // leader, or lost with the server's store (created again by the next try), answers within seconds; an
            // account without key-value access is asked once a minute.
            if (!claimUnavailable) {
                log.warn("{} - cannot claim node id {} in the key-value bucket (duplicate node ids are not detected"
                        + " while this lasts): {}", nodeId, nodeId, e.toString());
                claimRetryNanos = TimeUnit.MILLISECONDS.toNanos(REFUSED_RETRY_MILLIS);
            } else {
                claimRetryNanos = Math.min(CLAIM_RETRY_MOST_NANOS, claimRetryNanos * 2);
            }
            claimUnavailable = true;
            retryIn(TimeUnit.NANOSECONDS.toMillis(claimRetryNanos));
            return holdsClaim || claims.conflict().isEmpty(); // the last verdict stands; none yet: replicate
        }
        claimUnavailable = false;
        if (!holds) {
            retrySoon();
        }
        NodeClaims.Write written = claims.lastWrite();
        if (holds && written != null) {
            clock.sample(written.before(), written.serverMillis(), written.after());
            stats.clockOffsetMillis = clock.offsetMillis();
            stats.clockKnown = true;
            long skew = config.maxClockSkew().toMillis();
            clock.warnIfSkewed(nodeId, skew);
            publisher.correctClock(Hlc.correction(clock.offsetMillis(), skew));
        }
        return holds;
    }

    /**
     * While another node holds the id, it is tried again every few seconds, not at the renewals' pace
     * ({@link NodeClaims#RENEW_EVERY}): a clean stop of the holder frees it at once, and this node takes over soon after.
     */
    private void retrySoon() {
        retryIn(REFUSED_RETRY_MILLIS);
    }

    private void retryIn(long millis) {
        if (retrying.compareAndSet(false, true)) {
            link.later(millis, () -> {
                retrying.set(false);
                renew.run();
            });
        }
    }
}
