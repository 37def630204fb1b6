package io.marmot.replication;

import io.marmot.config.MarmotConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
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
    private final ReplicationStats stats = new ReplicationStats();
    private final EmbeddedNats embedded;
    private final NatsLink link;
    private final Publisher publisher;
    private final Applier applier;
    private volatile boolean linkClosed;

    private Replication(long nodeId, Path database, MarmotConfig config, EmbeddedNats embedded) throws SQLException {
        this.nodeId = nodeId;
        this.config = config;
        this.embedded = embedded;
        this.link = new NatsLink(nodeId, embedded != null ? embedded.url() : config.nats().url(), this::connected);
        OwnMessages own = new OwnMessages();
        this.publisher = new Publisher(nodeId, database, config, link, stats, own);
        Applier a = null;
        try {
            a = config.replicate() ? new Applier(nodeId, database, config, stats, own) : null;
        } catch (SQLException e) {
            publisher.close();
            throw e;
        }
        this.applier = a;
    }

    public static Replication start(long nodeId, Path database, MarmotConfig config) throws SQLException {
        EmbeddedNats embedded = null;
        if (config.nats().embedded()) {
            try {
                embedded = EmbeddedNats.acquire(config.nats(), database);
            } catch (IOException e) {
                throw new SQLException(e.getMessage(), "08001", e);
            }
        }
        Replication r;
        try {
            r = new Replication(nodeId, database, config, embedded);
        } catch (SQLException | RuntimeException e) {
            if (embedded != null) {
                embedded.release();
            }
            throw e;
        }
        r.publisher.start();
        if (r.applier != null) {
            r.applier.start();
        }
        try {
            r.link.start(config.nats());
        } catch (IOException e) {
            r.close();
            throw new SQLException(e.getMessage(), "08001", e);
        }
        return r;
    }

    /** On every (re)connection: make sure streams and consumers exist, then publish and apply. */
    private void connected(io.nats.client.Connection nc) {
        long backoff = 500;
        // Setting up goes on while closing has begun: the closing publisher may be waiting to flush.
        while (!linkClosed && nc.getStatus() == io.nats.client.Connection.Status.CONNECTED) {
            try {
                Streams.ensure(nc.jetStreamManagement(), config.streams(), nodeId);
                publisher.streamsReady(true);
                if (applier != null) {
                    applier.subscribe(nc);
                }
                return;
            } catch (Exception e) {
                log.warn("{} - setting up JetStream failed (is JetStream enabled on the server?), retrying in {} ms: {}",
                        nodeId, backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    public void committed() {
        publisher.wake();
    }

    public ReplicationStats.Snapshot stats() {
        return stats.snapshot();
    }

    public boolean connected() {
        return link.connected() != null;
    }

    public String natsUrl() {
        return link.url();
    }

    @Override
    public void close() {
        publisher.close();
        if (applier != null) {
            applier.close();
        }
        linkClosed = true;
        link.close();
        if (embedded != null) {
            embedded.release();
        }
    }
}
