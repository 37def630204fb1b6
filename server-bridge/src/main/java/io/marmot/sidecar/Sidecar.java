package io.marmot.sidecar;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sidecar: the engine of one database (through the public {@link Marmot} entry points, as any
 * application), a watcher that wakes its publisher on commits of other processes, and the HTTP endpoint.
 */
final class Sidecar implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

    private final SidecarSettings settings;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile MarmotEngine engine;
    private HttpEndpoint http;
    private CommitWatcher watcher;
    private boolean closed;

    private Sidecar(SidecarSettings settings) {
        this.settings = settings;
    }

    static Sidecar start(SidecarSettings settings) throws IOException, SQLException {
        Sidecar s = new Sidecar(settings);
        try {
            if (!settings.httpPort().off()) {
                // Before start returns, the engine runs while it catches up: /health says how far behind it is.
                s.http = HttpEndpoint.start(settings.httpBind(), settings.httpPort(), s::engineOrStarting,
                        () -> io.marmot.snapshot.RestoreProgress.of(settings.dbPath()).orElse(null));
            }
            MarmotEngine e = Marmot.start(settings.dbPath(), settings.replication());
            s.engine = e;
            s.watcher = CommitWatcher.start(e.database(), e::committed, "marmot-" + e.nodeId() + "-watcher");
            e.committed(); // whatever was written while no sidecar ran
            log.info("marmot sidecar running: node {}, database {}, NATS {}", e.nodeId(), e.database(),
                    e.natsUrl());
            return s;
        } catch (IOException | SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private MarmotEngine engineOrStarting() {
        try {
            return engine != null ? engine : Marmot.engine(settings.dbPath()).orElse(null);
        } catch (SQLException e) {
            return null;
        }
    }

    MarmotEngine engine() {
        return engine;
    }

    /** Blocks until {@link #close()} finished. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops watching, closes the engine (which flushes what it can to NATS), then the HTTP endpoint. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (watcher != null) {
                watcher.close();
            }
            MarmotEngine e = engine;
            if (e != null) {
                e.close();
                log.info("marmot sidecar stopped: node {}, database {}", e.nodeId(), e.database());
            }
            if (http != null) {
                http.close();
            }
        } finally {
            stopped.countDown();
        }
    }
}
