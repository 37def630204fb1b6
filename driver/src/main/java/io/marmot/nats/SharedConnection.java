package io.marmot.nats;

import io.marmot.config.NatsSettings;
import io.marmot.config.Secrets;
import io.marmot.replication.Daemons;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to NATS shared by every engine of this JVM that uses the same servers and credentials (see
 * {@link NatsLink}): connects in the background (the databases work without it), reconnects forever, and tells
 * each engine every time it is (re)connected. Its threads are daemons, a fixed few per connection whatever the
 * number of engines: the client's reader, writer and timer, one dispatcher that delivers every engine's stream
 * feeds, and {@value #ENGINE_THREADS} that run the engines' set-up and periodic work in turn. Secrets are never
 * logged.
 */
final class SharedConnection {
    private static final Logger log = LoggerFactory.getLogger(SharedConnection.class);
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final int ENGINE_THREADS = io.marmot.replication.MarmotRuntime.ENGINE_THREADS_PER_CONNECTION;

    private final String name;
    private final String url;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    /** The engines' work on this connection (set-up on connect, claims): bounded, however many engines. */
    private final ThreadPoolExecutor engineWork;
    /*
     * Our own executors for connecting and for connection events, closed with the connection: the ones jnats makes
     * from thread factories outlived a closed connection by half a minute, so Marmot.closeAll left threads behind.
     */
    private final ThreadPoolExecutor connecting;
    private final ThreadPoolExecutor callbacks;
    private Dispatcher dispatcher;
    private final List<Consumer<Connection>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> departureListeners = new CopyOnWriteArrayList<>();
    private final ServerDepartures departures = new ServerDepartures();
    private volatile Connection connection;
    private volatile boolean closed;
    private volatile boolean disconnected;
    private final ConnectionTrouble trouble = new ConnectionTrouble(System::currentTimeMillis);
    private final StreamEnds streamEnds = new StreamEnds();

    SharedConnection(String url) {
        this.name = "marmot-nats-" + COUNT.incrementAndGet();
        this.url = url;
        this.executor = Executors.newCachedThreadPool(Daemons.factory(name));
        this.scheduler = Executors.newScheduledThreadPool(1, Daemons.factory(name + "-timer"));
        this.engineWork = new ThreadPoolExecutor(ENGINE_THREADS, ENGINE_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Daemons.factory(name + "-engines"));
        engineWork.allowCoreThreadTimeOut(true);
        this.connecting = oneThread(name + "-connect");
        this.callbacks = oneThread(name + "-callback");
        scheduler.scheduleWithFixedDelay(this::watchDepartures, 1, 1, TimeUnit.SECONDS);
    }

    /** Runs {@code r} (on the engines' threads) whenever the server connected to says another of its cluster left. */
    void listenDepartures(Runnable r) {
        departureListeners.add(r);
    }

    void unlistenDepartures(Runnable r) {
        departureListeners.remove(r);
    }

    /** Once a second on the timer: reads only what the client holds (the server's last INFO), no request. */
    private void watchDepartures() {
        Connection c = connected();
        if (c == null || closed) {
            return;
        }
        List<String> gone;
        try {
            gone = departures.gone(c.getConnectedUrl(), c.getServerInfo().getConnectURLs());
        } catch (RuntimeException e) { // thrown out of a periodic task, it would end the task's every later run
            log.debug("{} - reading the cluster's servers: {}", name, e.toString());
            return;
        }
        if (!gone.isEmpty()) {
            trouble.serverLeft();
            log.info("{} - NATS server(s) {} left the cluster (so says {}): the feeds are looked at every few seconds"
                    + " for the next two minutes, a feed whose server died delivering nothing", name, gone,
                    Secrets.maskUrl(String.valueOf(c.getConnectedUrl())));
            engineWork.execute(() -> departureListeners.forEach(Runnable::run)); // a thousand engines: off the timer
        }
    }

    /** One thread at a time, in order, gone while idle. */
    private static ThreadPoolExecutor oneThread(String name) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Daemons.factory(name));
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** Adds an engine: told of every (re)connection from now on, and at once when connected already. */
    void listen(Consumer<Connection> onConnected) {
        listeners.add(onConnected);
        Connection c = connected();
        if (c != null && !closed) {
            engineWork.execute(() -> onConnected.accept(c));
        }
    }

    void unlisten(Consumer<Connection> onConnected) {
        listeners.remove(onConnected);
    }

    void start(NatsSettings settings) throws IOException {
        Options.Builder b;
        try {
            b = NatsConnector.options(settings, url);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid nats-url " + Secrets.maskUrl(url) + ": " + e.getMessage(), e);
        }
        b.connectionName(name)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(500))
                .reconnectJitter(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .scheduledExecutor(scheduler)
                .connectExecutor(connecting)
                .callbackExecutor(callbacks)
                .readerThreadFactory(Daemons.factory(name + "-reader"))
                .writerThreadFactory(Daemons.factory(name + "-writer"))
                .connectionListener(this::event)
                .errorListener(new LoggingErrorListener(name, trouble));
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
     * Runs work every {@code periodMillis} on the connection's threads (the timer only hands it over, so slow work
     * never delays the client's own timers), when {@code due} (asked on the timer's thread: it must not wait) says
     * there is any; cancel the returned future to stop it.
     */
    ScheduledFuture<?> every(long periodMillis, java.util.function.BooleanSupplier due, Runnable work) {
        return scheduler.scheduleWithFixedDelay(() -> {
            if (!closed && due.getAsBoolean()) {
                engineWork.execute(work);
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Tasks the engines' threads of this connection ran. */
    long engineTasks() {
        return engineWork.getCompletedTaskCount();
    }

    /** Runs work once, after {@code delayMillis}, on the connection's threads (unless it closed meanwhile). */
    void later(long delayMillis, Runnable work) {
        scheduler.schedule(() -> {
            if (!closed) {
                engineWork.execute(work);
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * The one dispatcher every engine's stream feeds are delivered by (created on first use, while connected; it
     * survives reconnections). Its handlers must not block.
     */
    synchronized Dispatcher dispatcher() throws IOException {
        if (dispatcher == null) {
            Connection c = connection;
            if (c == null || closed) {
                throw new IOException("not connected to NATS");
            }
            dispatcher = c.createDispatcher();
        }
        return dispatcher;
    }

    /** The connection when connected, else null: callers treat null as "NATS unavailable, try later". */
    Connection connected() {
        Connection c = connection;
        return c != null && c.getStatus() == Connection.Status.CONNECTED ? c : null;
    }

    String url() {
        return Secrets.maskUrl(url);
    }

    /** The streams' ends the engines' idle feed watchdogs share on this connection. */
    StreamEnds streamEnds() {
        return streamEnds;
    }

    /** Drops and slow-consumer events of this connection. */
    ConnectionTrouble trouble() {
        return trouble;
    }

    private void event(Connection conn, ConnectionListener.Events type) {
        switch (type) {
            case CONNECTED, RECONNECTED -> {
                connection = conn;
                disconnected = false;
                log.info("{} - NATS {} ({})", name, type == ConnectionListener.Events.CONNECTED ? "connected" : "reconnected",
                        Secrets.maskUrl(String.valueOf(conn.getConnectedUrl())));
                if (!closed) {
                    for (Consumer<Connection> l : listeners) {
                        engineWork.execute(() -> l.accept(conn));
                    }
                }
            }
            case DISCONNECTED -> {
                // jnats reports every failed reconnect attempt; one line per outage is enough.
                if (!disconnected) {
                    disconnected = true;
                    int recent = trouble.dropped();
                    if (recent >= ConnectionTrouble.REPEATED_DROPS) {
                        log.warn("{} - NATS disconnected, {} times in {} s: nats-server may be cutting this connection as"
                                + " a slow consumer (see its log for 'Slow Consumer Detected'); changes wait in the"
                                + " change logs and flow when it returns", name, recent,
                                ConnectionTrouble.WINDOW_MILLIS / 1000);
                    } else {
                        log.warn("{} - NATS disconnected; changes wait in the change logs and flow when it returns", name);
                    }
                }
            }
            case CLOSED -> log.debug("{} - NATS connection closed", name);
            default -> log.debug("{} - NATS {}", name, type);
        }
    }

    void close() {
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
        engineWork.shutdownNow();
        connecting.shutdownNow();
        callbacks.shutdown(); // the last events (closed) are still told
    }
}
