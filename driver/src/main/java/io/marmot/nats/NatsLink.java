package io.marmot.nats;

import io.marmot.config.NatsSettings;
import io.marmot.replication.MarmotRuntime;
import io.marmot.replication.NatsTroubles;
import io.nats.client.Connection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One engine's use of NATS. Engines of this JVM that name the same servers with the same credentials share one
 * {@link SharedConnection} (a thousand database files need one connection, not a thousand); the connection closes
 * when its last engine lets go. Each engine is told of every (re)connection and may run periodic work on the
 * connection's threads, stopped when it lets go.
 */
public final class NatsLink implements AutoCloseable {
    private final String url;
    private final NatsShared shared;
    private final Consumer<Connection> onConnected;
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();
    private final List<Runnable> onServerLeft = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Runnable serverLeft = () -> onServerLeft.forEach(Runnable::run);
    private String key;
    private volatile SharedConnection connection;
    private boolean closed;

    record Shared(SharedConnection connection, int users) {
    }

    /** @param runtime the owner of the connections engines share */
    public NatsLink(String url, Consumer<Connection> onConnected, MarmotRuntime runtime) {
        this.url = url;
        this.shared = NatsShared.of(runtime);
        this.onConnected = onConnected;
    }

    /** Joins (or opens) the connection to the URL with these credentials; connecting goes on in the background. */
    public synchronized void start(NatsSettings settings) throws IOException {
        key = key(url, settings);
        SharedConnection c;
        synchronized (shared) {
            Shared s = shared.connections.get(key);
            if (s == null) {
                c = new SharedConnection(url);
                c.start(settings);
                s = new Shared(c, 0);
            }
            c = s.connection();
            shared.connections.put(key, new Shared(c, s.users() + 1));
        }
        connection = c;
        c.listen(onConnected);
        c.listenDepartures(serverLeft);
    }

    /**
     * Runs {@code r} whenever the server connected to says another server of its cluster left (see
     * {@link ServerDepartures}), on the connection's threads, with every other engine's: it must not wait.
     */
    public void onServerLeft(Runnable r) {
        onServerLeft.add(r);
    }

    private static String key(String url, NatsSettings settings) {
        return String.join("\u0000", url, settings.user(), settings.password(), settings.token(), settings.credsFile(),
                settings.nkeyFile());
    }

    /**
     * The connection other engines of this JVM hold to these servers with these credentials, when it is connected;
     * else null. A new database's look for a snapshot uses it rather than connecting on its own: a thousand tenants
     * opened at once made a thousand connections (and their threads) one after the other.
     */
    public static Connection connectedShared(String url, NatsSettings settings) {
        MarmotRuntime runtime = MarmotRuntime.existing();
        if (runtime == null) {
            return null;
        }
        NatsShared shared = NatsShared.of(runtime);
        Shared s;
        synchronized (shared) {
            s = shared.connections.get(key(url, settings));
        }
        return s == null ? null : s.connection().connected();
    }

    /** The connection when connected, else null: callers treat null as "NATS unavailable, try later". */
    public Connection connected() {
        SharedConnection c = connection;
        return c == null ? null : c.connected();
    }

    /**
     * What is wrong with the shared connection beyond being down: it keeps dropping (a slow consumer on the server's
     * side) or the client dropped messages; empty when nothing is.
     */
    public String problem() {
        SharedConnection c = connection;
        return c == null ? "" : c.trouble().problem();
    }

    /**
     * The streams' ends listed once for every engine on the shared connection (see {@link StreamEnds}); null before
     * {@link #start}.
     */
    public StreamEnds streamEnds() {
        SharedConnection c = connection;
        return c == null ? null : c.streamEnds();
    }

    /** How often the shared connection dropped since it was opened. */
    public long drops() {
        SharedConnection c = connection;
        return c == null ? 0 : c.trouble().totalDrops();
    }

    /** What went wrong with the shared connection since it was opened. */
    public NatsTroubles troubles() {
        SharedConnection c = connection;
        return c == null ? NatsTroubles.NONE : c.trouble().counts();
    }

    /** The URL, credentials masked. */
    public String url() {
        return io.marmot.config.Secrets.maskUrl(url);
    }

    /** Runs work every {@code periodMillis} on the connection's threads until this link is closed. */
    public synchronized void every(long periodMillis, Runnable work) {
        every(periodMillis, () -> true, work);
    }

    /**
     * As {@link #every(long, Runnable)}, handed to the connection's threads only when {@code due}, asked on its
     * timer's thread (it must not wait): a thousand idle databases then cost that timer a check each, not a task.
     */
    public synchronized void every(long periodMillis, java.util.function.BooleanSupplier due, Runnable work) {
        periodic.add(connection.every(periodMillis, due, work));
    }

    /** Runs work once after {@code delayMillis} on the connection's threads (nothing once closed). */
    public synchronized void later(long delayMillis, Runnable work) {
        if (!closed && connection != null) {
            connection.later(delayMillis, work);
        }
    }

    /** The dispatcher that delivers this engine's feeds (shared with every engine on the connection). */
    public io.nats.client.Dispatcher dispatcher() throws IOException {
        SharedConnection c = connection;
        if (c == null) {
            throw new IOException("not connected to NATS");
        }
        return c.dispatcher();
    }

    /** Lets go: this engine hears no more; the last one out closes the connection. */
    @Override
    public synchronized void close() {
        if (closed || connection == null) {
            closed = true;
            return;
        }
        closed = true;
        periodic.forEach(f -> f.cancel(false));
        connection.unlisten(onConnected);
        connection.unlistenDepartures(serverLeft);
        boolean last;
        synchronized (shared) {
            Shared s = shared.connections.get(key);
            last = s != null && s.users() <= 1;
            if (last) {
                shared.connections.remove(key);
            } else if (s != null) {
                shared.connections.put(key, new Shared(s.connection(), s.users() - 1));
            }
        }
        if (last) {
            connection.close();
        }
    }

    /** Connections open in this JVM (for tests and the benchmark). */
    static int openConnections() {
        return NatsShared.openConnections();
    }

    /** Tasks the engines' threads of this JVM's connections ran (for tests and the benchmark). */
    public static long engineTasks() {
        return NatsShared.engineTasks();
    }
}
