package io.marmot.engine;

import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster-wide lock held by this node, for work that must run once for the whole cluster (a migration). Taking
 * it waits until no other node holds it, then until this node applied everything the change streams hold, so it
 * sees what the previous holder did; closing it waits until JetStream acknowledged what this node changed meanwhile
 * (schema changes and rows), then releases it, so the next holder finds that too.
 */
public final class ClusterLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterLock.class);

    private final MarmotEngine engine;
    private final String name;
    private final AutoCloseable held;
    private final Duration timeout;
    private boolean closed;

    ClusterLock(MarmotEngine engine, String name, AutoCloseable held, Duration timeout) {
        this.engine = engine;
        this.name = name;
        this.held = held;
        this.timeout = timeout;
    }

    public String name() {
        return name;
    }

    /** Publishes what this node changed while holding the lock, then releases it (once; later calls do nothing). */
    @Override
    public synchronized void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            engine.awaitPublished(timeout);
        } finally {
            try {
                held.close();
            } catch (Exception e) {
                log.warn("{} - releasing cluster lock '{}': {}", engine.nodeId(), name, e.toString());
            }
        }
    }
}
