package io.marmot;

import io.marmot.capture.CaptureInstaller;
import io.marmot.config.MarmotConfig;
import io.marmot.engine.Engines;
import io.marmot.engine.ClusterLock;
import io.marmot.engine.MarmotEngine;
import io.marmot.jdbc.ConnectionSpec;
import io.marmot.apply.MissedMessages;
import io.marmot.snapshot.Manifest;
import io.marmot.snapshot.RestoreProgress;
import io.marmot.snapshot.Snapshots;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.sqlite.SQLiteConnection;

/**
 * The public entry points besides the JDBC driver: start, stop and remove replication of a database. The
 * sidecar uses the engine through this class, as any application can.
 */
public final class Marmot {
    private Marmot() {
    }

    /** Starts (or returns the running) engine of a database, as the first connection would. */
    public static MarmotEngine start(Path database, MarmotConfig config) throws SQLException {
        return Engines.acquire(spec(database).databasePath(), config);
    }

    /** Stops the engine of one database in this JVM (flushing what it can); connections stay usable. */
    public static void close(Path database) throws SQLException {
        MarmotEngine engine = Engines.running(spec(database).databasePath());
        if (engine != null) {
            engine.close();
        }
    }

    /** The engine running for a database in this JVM, if any. */
    public static Optional<MarmotEngine> engine(Path database) throws SQLException {
        return Optional.ofNullable(Engines.running(spec(database).databasePath()));
    }

    /**
     * Takes a cluster-wide lock for work that must run once for the whole cluster, such as a schema migration: waits
     * until no other node holds {@code name}, then until this node applied everything the change streams hold (so it
     * sees what the previous holder did). Closing it waits until what this node changed meanwhile is published, then
     * releases it. The lock lives in JetStream's key-value store, renewed while held; a holder that dies frees it
     * within 15 seconds. The engine of {@code database} must be running in this JVM (open a connection first).
     *
     * <pre>{@code
     * try (ClusterLock lock = Marmot.clusterLock(Path.of("/data/app.db"), "flyway", Duration.ofMinutes(5))) {
     *     flyway.migrate();
     * }
     * }</pre>
     *
     * @param timeout how long to wait for the lock, and again for catching up (and for publishing, at close)
     * @throws SQLException when no engine runs for the database, or the lock or the catching up takes too long
     */
    public static ClusterLock clusterLock(Path database, String name, Duration timeout) throws SQLException {
        MarmotEngine engine = engine(database).orElseThrow(() -> new SQLException("No marmot engine runs for " + database
                + " in this JVM: open a jdbc:marmot:sqlite: connection to it first", "08003"));
        return engine.clusterLock(name, timeout);
    }

    /**
     * The next cluster-unique id of this database's node, as SQL's {@code marmot_id()} gives it: a positive,
     * time-ordered 64-bit integer carrying the node id in its bits, so no two nodes can ever pick the same key (layout
     * in {@code io.marmot.clock.ClusterId}). The engine of {@code database} must be running in this JVM (open a
     * connection first); its {@code node-id} must be from 1 to 4095. {@link MarmotEngine#nextId()} is the same.
     *
     * @throws SQLException when no engine runs for the database, or its node id does not fit the id's 12 node bits
     */
    public static long nextId(Path database) throws SQLException {
        MarmotEngine engine = Engines.knownAs(database);
        if (engine == null) {
            // Finding the engine resolves the path on the file system: done once per path, not for every id.
            engine = engine(database).orElseThrow(() -> new SQLException("No marmot engine runs for " + database
                    + " in this JVM: open a jdbc:marmot:sqlite: connection to it first", "08003"));
            Engines.rememberAs(database, engine);
        }
        try {
            return engine.nextId();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new SQLException(e.getMessage(), "22023", e);
        }
    }

    /**
     * The ranges of stream messages this node will never apply (it is out of sync while there are any), one line
     * each: stream, sequences, reason. Works whether or not the engine runs.
     */
    public static List<String> missedRanges(Path database) throws SQLException {
        try (SQLiteConnection c = Sqlite.open(spec(database).databasePath())) {
            return MissedMessages.describe(c);
        }
    }

    /**
     * Clears the out-of-sync state after the operator healed the node (for example, replaced its file with a copy
     * of a peer's, or checked that the missed changes do not matter); returns how many missed ranges it forgot.
     */
    public static int clearOutOfSync(Path database) throws SQLException {
        Optional<MarmotEngine> running = engine(database);
        if (running.isPresent()) {
            return running.get().clearOutOfSync();
        }
        try (SQLiteConnection c = Sqlite.open(spec(database).databasePath())) {
            return MissedMessages.clear(c);
        }
    }

    /**
     * Takes a snapshot of a database now and stores it in the cluster's Object Store, through its running engine
     * (or, when none runs in this JVM, on a connection of its own with the default parameters); returns its
     * manifest. Waits while another node takes one.
     */
    public static Manifest saveSnapshot(Path database) throws SQLException {
        return saveSnapshot(database, MarmotConfig.defaults());
    }

    /** As {@link #saveSnapshot(Path)}, with these parameters when no engine runs for the database in this JVM. */
    public static Manifest saveSnapshot(Path database, MarmotConfig config) throws SQLException {
        Optional<MarmotEngine> running = engine(database);
        if (running.isPresent()) {
            return running.get().saveSnapshot();
        }
        return Snapshots.save(spec(database).databasePath(), config);
    }

    /** The snapshots stored for the cluster these parameters name, newest first. */
    public static List<Manifest> listSnapshots(MarmotConfig config) throws SQLException {
        return Snapshots.list(config);
    }

    /** What the restore of a snapshot into this database is doing, while one runs in this JVM. */
    public static Optional<String> restoring(Path database) throws SQLException {
        return RestoreProgress.of(spec(database).databasePath());
    }

    /**
     * Stops every engine of this JVM, then Marmot's shared threads, NATS connections and embedded servers: nothing
     * Marmot started is left, and a later connection starts afresh. Also done by a shutdown hook at JVM exit.
     */
    public static void closeAll() {
        Engines.closeAll();
    }

    /**
     * Removes every trigger and table the engine installed, leaving the user's tables and rows as they were
     * (Marmot's {@code cleanup}). Stops this JVM's engine of the database first.
     */
    public static void cleanup(Path database) throws SQLException {
        close(database);
        try (SQLiteConnection c = Sqlite.open(spec(database).databasePath())) {
            CaptureInstaller.cleanup(c);
        }
    }

    private static ConnectionSpec spec(Path database) throws SQLException {
        return ConnectionSpec.parse(ConnectionSpec.PREFIX + database, new Properties());
    }
}
