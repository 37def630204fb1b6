package io.marmot.engine;

import io.marmot.config.ConfigDifference;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.Daemons;
import io.marmot.replication.MarmotRuntime;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The running engines of this JVM, one per canonical database path, kept by the {@link MarmotRuntime} and stopped
 * together when it closes ({@code Marmot.closeAll}, the JVM's exit). Engines of different files start in parallel (a
 * thousand tenants' databases opened by many request threads do not queue behind one another), and a connection to a
 * running engine takes no lock.
 */
public final class Engines {
    /** Closes before every other registry: engines let go of the connections and servers they used. */
    static final MarmotRuntime.RegistryKey<Running> KEY = new MarmotRuntime.RegistryKey<>("engines", 15, Running::new);
    static final int CLOSE_ALL_SECONDS = 30;
    /** How long opening a database waits for descriptors while the process is nearly out of them. */
    static final java.time.Duration DESCRIPTORS_WAIT = java.time.Duration.ofSeconds(10);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Engines.class);

    /** The registry itself. */
    static final class Running implements MarmotRuntime.Registry {
        private final Map<Path, MarmotEngine> running = new ConcurrentHashMap<>();
        /** One lock per file, held while its engine starts (kept: a failed start must not let two start at once). */
        private final Map<Path, Object> starting = new ConcurrentHashMap<>();
        /** The engine {@code Marmot.nextId} found for each path it was given (resolving a path is not free). */
        private final Map<Path, MarmotEngine> byGivenPath = new ConcurrentHashMap<>();

        @Override
        public void close() {
            closeAll(new ArrayList<>(running.values()));
            running.clear();
            starting.clear();
            byGivenPath.clear();
        }
    }

    private Engines() {
    }

    /**
     * The engine of this database, started on first use; a second, different configuration is an error. Returns once
     * the engine caught up with the change streams as they were at its start (or {@code catch-up-wait} passed): the
     * engine is running (and its {@code health()} says how far behind it is) while connections wait for that.
     */
    public static MarmotEngine acquire(Path database, MarmotConfig config) throws SQLException {
        MarmotEngine engine = started(database, config);
        engine.awaitStartCatchUp();
        return engine;
    }

    private static MarmotEngine started(Path database, MarmotConfig config) throws SQLException {
        Running r = MarmotRuntime.get().registry(KEY);
        MarmotEngine engine = r.running.get(database);
        if (engine != null) {
            return checked(engine, config);
        }
        synchronized (r.starting.computeIfAbsent(database, p -> new Object())) {
            engine = r.running.get(database);
            if (engine != null) {
                return checked(engine, config);
            }
            awaitDescriptors(database);
            engine = MarmotEngine.start(database, config);
            r.running.put(database, engine);
            return engine;
        }
    }

    /**
     * An engine starts once the process is not nearly out of descriptors, or after a bounded wait: the engines running
     * free theirs as they go quiet, and one started now would fail to open its files. Only a start waits, never a
     * connection to a running engine: the descriptors may be the application's own.
     */
    private static void awaitDescriptors(Path database) throws SQLException {
        try {
            if (!MarmotRuntime.get().descriptors().awaitRoom(DESCRIPTORS_WAIT)) {
                log.warn("opening {} although the process is still nearly out of file descriptors after {} s", database,
                        DESCRIPTORS_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for file descriptors to open " + database, "08001", e);
        }
    }

    private static MarmotEngine checked(MarmotEngine engine, MarmotConfig config) throws SQLException {
        if (!engine.config().equals(config) && !sameApartFromNodeId(engine, config)) {
            throw new SQLException("The marmot engine for " + engine.database() + " already runs with other settings"
                    + " than this connection asks for (running → asked): "
                    + String.join("; ", ConfigDifference.between(engine.config(), config))
                    + ". Use the same marmot parameters for every connection to one database, or close the engine"
                    + " first (io.marmot.Marmot.close).", "08001");
        }
        return engine;
    }

    /** The running engine of a database, or null. */
    public static MarmotEngine running(Path database) {
        MarmotRuntime runtime = MarmotRuntime.existing();
        return runtime == null ? null : runtime.registry(KEY).running.get(database);
    }

    /** The running engine {@link #rememberAs} kept for a path as the caller named it, or null. */
    public static MarmotEngine knownAs(Path named) {
        MarmotEngine engine = MarmotRuntime.get().registry(KEY).byGivenPath.get(named);
        return engine == null || engine.isClosed() ? null : engine;
    }

    /** Keeps the engine found for a path as the caller named it (resolving a path is not free). */
    public static void rememberAs(Path named, MarmotEngine engine) {
        MarmotRuntime.get().registry(KEY).byGivenPath.put(named, engine);
    }

    /**
     * What the engine's writers of row versions share (its collector of changed keys, the turn of catch-ups), for the
     * connections that fold local changes themselves (DDL through the driver). Not on the engine: internal, not API.
     */
    public static io.marmot.clock.VersionWriters versionWriters(MarmotEngine engine) {
        return engine.versionWriters();
    }

    static void forget(MarmotEngine engine) {
        MarmotRuntime runtime = MarmotRuntime.existing();
        if (runtime != null) {
            Running r = runtime.registry(KEY);
            r.running.remove(engine.database(), engine);
            r.byGivenPath.values().removeIf(e -> e == engine);
        }
    }

    /**
     * Stops every engine, then the runtime (its threads, its shared connections and servers): nothing Marmot started
     * is left, and the next connection starts afresh.
     */
    public static void closeAll() {
        MarmotRuntime.closeCurrent();
    }

    /**
     * Stops engines several at a time, each sending what it still can: a JVM with many databases exits in about the
     * time of its slowest engine, not the sum of all, and within {@value #CLOSE_ALL_SECONDS} s in any case.
     */
    private static void closeAll(List<MarmotEngine> all) {
        if (all.size() == 1) {
            all.get(0).close();
            return;
        }
        ExecutorService closers = Executors.newFixedThreadPool(Math.min(Math.max(all.size(), 1), 16),
                Daemons.factory("marmot-close"));
        try {
            List<Callable<Void>> work = new ArrayList<>();
            for (MarmotEngine e : all) {
                work.add(() -> {
                    e.close();
                    return null;
                });
            }
            closers.invokeAll(work, CLOSE_ALL_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closers.shutdownNow();
        }
    }

    /** A connection that leaves node-id out gets the running engine, whatever id it chose. */
    private static boolean sameApartFromNodeId(MarmotEngine engine, MarmotConfig asked) {
        return asked.nodeId() == 0 && engine.config().equals(asked.withNodeId(engine.config().nodeId()));
    }
}
