package io.marmot.replication;

import io.marmot.config.NatsSettings;
import io.marmot.config.Secrets;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;

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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's connection to NATS: connects in the background (the database works without it), reconnects
 * forever, and tells the engine each time it is (re)connected. Its threads are daemons; secrets are never
 * logged.
 */
final class NatsLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NatsLink.class);

    private final long nodeId;
    private final String url;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final Consumer<Connection> onConnected;
    private volatile Connection connection;
    private volatile boolean closed;
    private volatile boolean disconnected;

    public NatsLink(long nodeId, String url, Consumer<Connection> onConnected) {
        this.nodeId = nodeId;
        this.url = url;
        this.onConnected = onConnected;
        this.executor = Executors.newCachedThreadPool(Daemons.factory("marmot-" + nodeId + "-nats"));
        this.scheduler = Executors.newScheduledThreadPool(1, Daemons.factory("marmot-" + nodeId + "-nats-timer"));
    }

    public void start(NatsSettings settings) throws IOException {
        Options.Builder b = Options.builder()
                .servers(Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new))
                .connectionName("marmot-" + nodeId)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(500))
                .reconnectJitter(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .scheduledExecutor(scheduler)
                .connectThreadFactory(Daemons.factory("marmot-" + nodeId + "-nats-connect"))
                .callbackThreadFactory(Daemons.factory("marmot-" + nodeId + "-nats-callback"))
                .readerThreadFactory(Daemons.factory("marmot-" + nodeId + "-nats-reader"))
                .writerThreadFactory(Daemons.factory("marmot-" + nodeId + "-nats-writer"))
                .connectionListener(this::event)
                .errorListener(new LoggingErrorListener());
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
        try {
            Nats.connectAsynchronously(b.build(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to NATS", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid nats-url " + Secrets.maskUrl(url) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs work every {@code periodMillis} on the link's threads (the timer only hands it over, so slow work never
     * delays the client's own timers); stops with the link.
     */
    void every(long periodMillis, Runnable work) {
        scheduler.scheduleWithFixedDelay(() -> {
            if (!closed) {
                executor.execute(work);
            }
        }, periodMillis, periodMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The connection when connected, else null: callers treat null as "NATS unavailable, try later". */
    public Connection connected() {
        Connection c = connection;
        return c != null && c.getStatus() == Connection.Status.CONNECTED ? c : null;
    }

    public String url() {
        return Secrets.maskUrl(url);
    }

    private void event(Connection conn, ConnectionListener.Events type) {
        switch (type) {
            case CONNECTED, RECONNECTED -> {
                connection = conn;
                disconnected = false;
                log.info("{} - NATS {} ({})", nodeId, type == ConnectionListener.Events.CONNECTED ? "connected" : "reconnected",
                        Secrets.maskUrl(String.valueOf(conn.getConnectedUrl())));
                if (!closed) {
                    executor.execute(() -> onConnected.accept(conn));
                }
            }
            case DISCONNECTED -> {
                // jnats reports every failed reconnect attempt; one line per outage is enough.
                if (!disconnected) {
                    disconnected = true;
                    log.warn("{} - NATS disconnected; changes wait in the change log and flow when it returns", nodeId);
                }
            }
            case CLOSED -> log.debug("{} - NATS connection closed", nodeId);
            default -> log.debug("{} - NATS {}", nodeId, type);
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
        scheduler.shutdownNow();
    }

    private static void requireReadable(String file, String key) throws IOException {
        if (!Files.isReadable(Path.of(file))) {
            throw new IOException(key + " file " + file + " does not exist or cannot be read");
        }
    }


    /** jnats reports through slf4j instead of stderr. */
    private final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            log.warn("{} - NATS error: {}", nodeId, error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            log.debug("{} - NATS exception: {}", nodeId, exp.toString());
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            log.warn("{} - NATS slow consumer", nodeId);
        }
    }
}
