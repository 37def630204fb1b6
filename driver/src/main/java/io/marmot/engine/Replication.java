package io.marmot.engine;

import io.marmot.replication.MarmotRuntime;
import io.marmot.apply.Applier;
import io.marmot.config.MarmotConfig;
import io.marmot.listen.ChangeListeners;
import io.marmot.nats.ClusterLocks;
import io.marmot.nats.EmbeddedNats;
import io.marmot.nats.FirstLooks;
import io.marmot.nats.NatsLink;
import io.marmot.nats.NodeClaims;
import io.marmot.nats.Streams;
import io.marmot.publish.OwnMessages;
import io.marmot.publish.Publisher;
import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.ReplicationStats;
import io.marmot.verify.Verifier;
import io.marmot.sqlite.OnDemandConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The moving parts of one node's replication, started and stopped together: the NATS link (and the
 * embedded server when no URL is given), the publisher and the applier.
 */
public final class Replication implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replication.class);

    private final long nodeId;
    private final MarmotConfig config;
    private final ReplicationCounters stats = new ReplicationCounters();
    private final ChangeListeners listeners;
    private final EmbeddedNats embedded;
    private final NatsLink link;
    private final Publisher publisher;
    private final Applier applier;
    private final NodeClaims claims;
    private final Verifier verifier;
    private volatile boolean linkClosed;
    private volatile boolean holdsClaim;
    private final ClaimAndClock claim;
    private final ConnectionSetUp setUpState;
    private final ClusterLocks locks;
    private final SchemaFingerprints fingerprints;
    private StartCatchUp catchUp;
    private final FirstLooks firstLooks = new FirstLooks(); // shared by the first set-up and the start's catch-up

    private Replication(long nodeId, String instance, Path database, MarmotConfig config, OnDemandConnection reads,
            EmbeddedNats embedded, MarmotRuntime runtime, io.marmot.clock.VersionWriters writers) throws SQLException {
        this.nodeId = nodeId;
        this.listeners = new ChangeListeners(nodeId, stats, runtime.listen());
        this.locks = new ClusterLocks(nodeId, config.streams(), runtime.lockRenewals());
        this.claims = new NodeClaims(nodeId, instance, config.streams().streamPrefix(), config.streams().replicas(),
                database.toString());
        this.config = config;
        this.embedded = embedded;
        this.link = new NatsLink(embedded != null ? embedded.url() : config.nats().url(), nc -> setUp(nc, 500), runtime);
        this.fingerprints = new SchemaFingerprints(nodeId, database, config.streams(), stats, link::connected,
                stats::streamMoves, link::drops, runtime.fingerprints(), reads);
        OwnMessages own = new OwnMessages();
        this.verifier = new Verifier(nodeId, database, config, own, stats, listeners, runtime, writers);
        this.publisher = new Publisher(nodeId, database, config, link, stats, own, listeners, runtime, writers);
        this.claim = new ClaimAndClock(nodeId, config, stats, claims, publisher, link, this::renewClaim);
        this.setUpState = new ConnectionSetUp(nodeId, stats, () -> link.connected() != null);
        Applier a = null;
        try {
            a = config.replicate() ? new Applier(nodeId, instance, database, config, link, stats, own, listeners, runtime, writers) : null;
        } catch (SQLException e) {
            publisher.close();
            throw e;
        }
        this.applier = a;
    }

    /**
     * @param instance the token of this database file (a copy has its own): tells this node from another that
     *     claims the same node id
     * @param reads the schema watcher's connection, which the schema fingerprints read through
     * @param fresh a new or restored database (see {@link StartCatchUp}); {@code startedNanos}: when its wait counts from
     */
    public static Replication start(long nodeId, String instance, Path database, MarmotConfig config, boolean fresh,
            long startedNanos, OnDemandConnection reads, io.marmot.clock.VersionWriters writers) throws SQLException {
        MarmotRuntime runtime = MarmotRuntime.get();
        EmbeddedNats embedded = null;
        if (config.nats().embedded()) {
            try {
                embedded = EmbeddedNats.acquire(runtime, config.nats(), database);
            } catch (IOException e) {
                throw new SQLException(e.getMessage(), "08001", e);
            }
        }
        Replication r;
        try {
            r = new Replication(nodeId, instance, database, config, reads, embedded, runtime, writers);
        } catch (SQLException | RuntimeException e) {
            if (embedded != null) {
                embedded.release();
            }
            throw e;
        }
        r.catchUp = new StartCatchUp(nodeId, config, r.link, r.applier, r.claims::conflict, fresh, startedNanos, r.firstLooks);
        r.publisher.start();
        if (r.applier != null) {
            r.applier.start();
        }
        long renewMillis = NodeClaims.RENEW_EVERY.toMillis();
        try {
            r.link.start(config.nats());
            r.link.every(renewMillis, r::renewClaim);
            if (!config.verifyInterval().isZero() && r.applier != null) {
                r.link.every(config.verifyInterval().toMillis(), r::verify);
            }
        } catch (IOException e) {
            r.close();
            throw new SQLException(e.getMessage(), "08001", e);
        }
        return r;
    }

    /**
     * On every (re)connection: make sure the streams exist, then publish and apply. One attempt; a failed one is
     * tried again later (the connection's few threads never wait it out).
     */
    private void setUp(io.nats.client.Connection nc, long backoff) {
        // Setting up goes on while closing has begun: the closing publisher may be waiting to flush.
        if (linkClosed || nc.getStatus() != io.nats.client.Connection.Status.CONNECTED) {
            return;
        }
        setUpState.begun();
        try {
            Streams.ensure(nc.jetStreamManagement(), config.streams(), nodeId, firstLooks);
            holdsClaim = claim.claim(nc, holdsClaim);
            if (holdsClaim) {
                startFlowing(nc);
            } else {
                stopFlowing();
            }
            setUpState.succeeded();
        } catch (Exception e) {
            setUpState.failed(e, backoff);
            link.later(backoff, () -> setUp(nc, Math.min(backoff * 2, 10_000)));
        }
    }

    /** The record of missed messages was changed from outside: count again. */
    public void missedChanged() {
        if (applier != null) {
            applier.missedChanged();
        }
    }

    /** Renews this node's claim on its id; stops or starts replicating when that changes. */
    private void renewClaim() {
        io.nats.client.Connection nc = link.connected();
        if (nc == null || linkClosed) {
            return;
        }
        if (!claim.due()) {
            return; // no key-value access: asking every few seconds would only fill the logs
        }
        try {
            boolean holds = claim.renew(nc, holdsClaim);
            if (holds && !holdsClaim) {
                Streams.ensure(nc.jetStreamManagement(), config.streams(), nodeId, firstLooks);
                startFlowing(nc);
            } else if (!holds && holdsClaim) {
                stopFlowing();
            }
            holdsClaim = holds;
        } catch (Exception e) {
            log.debug("{} - renewing the claim on the node id: {}", nodeId, e.toString());
        }
    }

    private void verify() {
        io.nats.client.Connection nc = link.connected();
        if (nc != null && !linkClosed && holdsClaim) {
            verifier.round(nc, link);
        }
    }

    private void startFlowing(io.nats.client.Connection nc) {
        publisher.streamsReady(true);
        if (applier != null) {
            applier.subscribe(nc);
        }
    }

    private void stopFlowing() {
        publisher.streamsReady(false);
        if (applier != null) {
            applier.pause();
        }
    }

    /** Empty while this node holds its node id; else why it does not replicate. */
    public String identityConflict() {
        return claims.conflict();
    }

    public ChangeListeners listeners() {
        return listeners;
    }

    /** This database's look for the JVM's sweep: one stat of the WAL for its publisher, schema watcher and fingerprints. */
    DatabaseLook look(Path database, SchemaWatcher watcher, HealthWatch health) {
        return new DatabaseLook(database, watcher, publisher, fingerprints, health, applier == null ? null : applier::written);
    }

    /** See {@link ReplicationCounters#streamMoves}. */
    public long streamMoves() {
        return stats.streamMoves();
    }

    /** Whether messages are recorded missed (as {@code stats().outOfSync()}, without reading every figure). */
    public boolean outOfSync() {
        return stats.outOfSync;
    }

    public ReplicationStats stats() {
        return stats.read(link.troubles());
    }

    public boolean connected() {
        return link.connected() != null;
    }

    /**
     * Waits until this node applied everything the streams hold now (see {@link CatchUpWaits#caughtUp}).
     *
     * @throws SQLException when that does not happen within the timeout, saying why
     */
    public void awaitCaughtUp(Duration timeout) throws SQLException {
        new CatchUpWaits(nodeId, config, link, applier, publisher, stats).caughtUp(timeout);
    }

    /** Returns once this node applied what the streams held at its start, or {@code catch-up-wait} passed (logged). */
    public void awaitStartCatchUp() {
        catchUp.await();
    }

    /** What the first connection's wait is doing (see {@link StartCatchUp}); empty once it ended. */
    public String catchUpStatus() {
        return catchUp.status();
    }

    /** Waits until JetStream acknowledged every change this node logged before this call (see {@link CatchUpWaits}). */
    public void awaitPublished(Duration timeout, java.nio.file.Path database) throws SQLException {
        new CatchUpWaits(nodeId, config, link, applier, publisher, stats).published(timeout, database);
    }

    /** Takes a cluster-wide lock (see {@link ClusterLocks}); null when NATS is not connected within the timeout. */
    public AutoCloseable clusterLock(String name, Duration timeout) throws SQLException {
        return locks.acquire(link::connected, name, timeout);
    }

    /** The NATS connection when connected, else null (snapshots use it for their Object Store). */
    public io.nats.client.Connection natsConnection() {
        return link.connected();
    }

    /** Runs work every {@code periodMillis} on the NATS connection's threads when {@code due}, until this replication stops. */
    public void every(long periodMillis, java.util.function.BooleanSupplier due, Runnable work) {
        link.every(periodMillis, due, work);
    }

    public String natsUrl() {
        return link.url();
    }

    /** The NATS connection's trouble beyond being down (see {@link NatsLink#problem()}) or its set-up not done yet. */
    String natsProblem() {
        return link.problem().isEmpty() ? setUpState.problem() : link.problem();
    }

    @Override
    public void close() {
        fingerprints.close();
        publisher.close();
        if (applier != null) {
            applier.close();
        }
        linkClosed = true;
        io.nats.client.Connection nc = link.connected();
        if (nc != null && holdsClaim) {
            claims.release(nc);
        }
        link.close();
        verifier.close();
        listeners.close();
        if (embedded != null) {
            embedded.release();
        }
    }
}
