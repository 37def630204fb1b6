package io.marmot.nats;

import io.marmot.config.NatsSettings;
import io.marmot.replication.Daemons;
import io.marmot.replication.MarmotRuntime;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How this node reaches NATS: the servers and credentials of its settings. Shared by the engine's long-lived
 * connection and the short ones of work that runs before (or without) an engine: restoring a snapshot into a new
 * database, the sidecar's {@code --save-snapshot}.
 */
public final class NatsConnector {
    private static final AtomicInteger ONCE = new AtomicInteger();
    private NatsConnector() {
    }

    /** The URL this node connects to: the configured one, or the embedded server's port on loopback. */
    public static String url(NatsSettings settings) {
        return settings.embedded() ? "nats://127.0.0.1:" + settings.port() : settings.url();
    }

    /** Whether something answers on the embedded server's port (no server there: nothing to restore from). */
    public static boolean embeddedAnswers(NatsSettings settings) {
        return EmbeddedNats.answers(settings.port());
    }

    /**
     * In cluster mode, this node's own embedded server, started now (before the engine's) so that a new database
     * can restore the cluster's snapshot through it; the engine's replication then shares it. Nothing otherwise.
     */
    public static ServerHold holdClusterServer(MarmotRuntime runtime, NatsSettings settings, Path database)
            throws java.sql.SQLException {
        if (!settings.embedded() || !settings.cluster().enabled()) {
            return () -> { };
        }
        try {
            return EmbeddedNats.acquire(runtime, settings, database)::release;
        } catch (IOException e) {
            throw new java.sql.SQLException(e.getMessage(), "08001", e);
        }
    }

    /** A use of the embedded server; closing it stops the server when nothing else uses it. */
    @FunctionalInterface
    public interface ServerHold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits until JetStream answers through {@code nc} (an embedded cluster's server knows its meta leader), at most
     * until {@code deadlineNanos}; false when it did not.
     */
    public static boolean awaitJetStream(Connection nc, long deadlineNanos) throws InterruptedException {
        while (true) {
            try {
                nc.jetStreamManagement().getAccountStatistics();
                return true;
            } catch (IOException | io.nats.client.JetStreamApiException e) {
                if (System.nanoTime() >= deadlineNanos) {
                    return false;
                }
                Thread.sleep(250);
            }
        }
    }

    /** A short-lived connection with threads of its own (daemons, so they never keep the JVM alive). */
    public static final class Once implements AutoCloseable {
        private final Connection connection;
        private final ExecutorService executor;
        private final ScheduledExecutorService scheduler;

        private Once(Connection connection, ExecutorService executor, ScheduledExecutorService scheduler) {
            this.connection = connection;
            this.executor = executor;
            this.scheduler = scheduler;
        }

        public Connection connection() {
            return connection;
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                executor.shutdownNow();
                scheduler.shutdownNow();
            }
        }
    }

    /**
     * Connects once, trying until {@code wait} has passed; returns null when no server answered in that time. The
     * caller closes it.
     */
    public static Once connectWithin(NatsSettings settings, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        String name = "marmot-nats-once-" + ONCE.incrementAndGet();
        ExecutorService executor = Executors.newCachedThreadPool(Daemons.factory(name));
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, Daemons.factory(name + "-timer"));
        Options options = options(settings, url(settings))
                .connectionName(name)
                .connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(-1)
                .executor(executor)
                .scheduledExecutor(scheduler)
                // Our own executors for connecting and callbacks too: jnats shuts down the ones it makes only when
                // every connection made with the options closed, and a failed attempt never does.
                .connectExecutor(executor)
                .callbackExecutor(executor)
                .readerThreadFactory(Daemons.factory(name + "-reader"))
                .writerThreadFactory(Daemons.factory(name + "-writer"))
                .errorListener(new ErrorListener() {
                })
                .build();
        try {
            while (true) {
                try {
                    return new Once(Nats.connect(options), executor, scheduler);
                } catch (IOException e) {
                    if (System.nanoTime() >= deadline) {
                        executor.shutdownNow();
                        scheduler.shutdownNow();
                        return null;
                    }
                }
                Thread.sleep(Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to NATS", e);
        }
    }

    /** Servers and credentials; the caller adds threads, listeners and timeouts. */
    static Options.Builder options(NatsSettings settings, String url) throws IOException {
        Options.Builder b = Options.builder()
                .servers(Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new));
        if (!settings.user().isEmpty()) {
            b.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        }
        if (!settings.token().isEmpty()) {
            b.token(settings.token().toCharArray());
        }
        if (!settings.credsFile().isEmpty()) {
            requireReadable(settings.credsFile(), "nats-creds");
            b.authHandler(Nats.credentials(settings.credsFile()));
        }
        if (!settings.nkeyFile().isEmpty()) {
            requireReadable(settings.nkeyFile(), "nats-nkey");
            char[] seed = new String(Files.readAllBytes(Path.of(settings.nkeyFile())), StandardCharsets.US_ASCII).trim()
                    .toCharArray();
            b.authHandler(Nats.staticCredentials(null, seed));
        }
        return b;
    }

    private static void requireReadable(String file, String key) throws IOException {
        if (!Files.isReadable(Path.of(file))) {
            throw new IOException(key + " file " + file + " does not exist or cannot be read");
        }
    }
}
