package io.marmot.engine;

import io.marmot.config.MarmotConfig;
import io.marmot.feed.ChangeFeed;
import io.marmot.feed.ChangeFeedStats;
import io.marmot.listen.ChangeListener;
import io.marmot.listen.ChangeListeners;
import io.marmot.apply.MissedMessages;
import io.marmot.nats.NatsConnector;
import io.marmot.replication.MarmotRuntime;
import io.marmot.replication.ReplicationCounters;
import io.marmot.replication.ReplicationStats;
import io.marmot.snapshot.Manifest;
import io.marmot.snapshot.SnapshotSchedule;
import io.marmot.snapshot.SnapshotStats;
import io.marmot.snapshot.Snapshots;
import io.marmot.sqlite.Sqlite;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Replication of one database file: installs capture on start, keeps it in step with the schema, and runs
 * the replication (publisher, applier, NATS connection) unless both publish and replicate are off. One per
 * canonical database path per JVM (see {@link Engines}), shared by every connection to that file, and alive
 * until {@link #close()} or JVM exit, so applications that open a connection per request do not restart it.
 */
public final class MarmotEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MarmotEngine.class);

    private final Path database;
    private final MarmotConfig config;
    private final long nodeId;
    private final SchemaWatcher schemaWatcher;
    private final Replication replication;
    private final io.marmot.clock.VersionWriters writers;
    private final SnapshotSchedule snapshots;
    private final ChangeFeed feed;
    private final LockOwners lockOwners = new LockOwners();
    private final MarmotRuntime runtime = MarmotRuntime.get(); // its id generators outlive a restart of this engine
    private volatile boolean closed;
    /** This database's place in the JVM's sweep of local looks (other processes' commits and DDL, health). */
    private volatile DatabaseLook look;

    private MarmotEngine(Path database, MarmotConfig config, long nodeId, SchemaWatcher schemaWatcher,
            Replication replication, io.marmot.clock.VersionWriters writers) {
        this.database = database;
        this.config = config;
        this.nodeId = nodeId;
        this.schemaWatcher = schemaWatcher;
        this.replication = replication;
        this.writers = writers;
        this.snapshots = replication == null ? null
                : new SnapshotSchedule(database, config, nodeId, replication::natsConnection, replication::outOfSync,
                        replication::missedChanged, replication.listeners(), writers, replication::streamMoves);
        this.feed = replication == null || config.changeFeed().isEmpty() ? null
                : new ChangeFeed(nodeId, config, replication::natsConnection);
    }

    /** Starts replication of a database file (WAL, capture, schema watch); only {@link Engines}: one engine a file. */
    static MarmotEngine start(Path database, MarmotConfig config) throws SQLException {
        long startedNanos = System.nanoTime();
        boolean fresh = config.replicate() && Snapshots.isNew(database);
        try (NatsConnector.ServerHold held = NatsConnector.holdClusterServer(MarmotRuntime.get(), config.nats(), database)) {
            return start(database, config, startedNanos, fresh); // replication holds the server too by its end
        }
    }

    private static MarmotEngine start(Path database, MarmotConfig config, long startedNanos, boolean fresh)
            throws SQLException {
        // Before SQLite opens the file: a new node starts from a snapshot, and its catch-up wait counts from there.
        if (fresh && Snapshots.restoreIfNew(database, config)) {
            startedNanos = System.nanoTime();
        }
        long catchUpFrom = startedNanos;
        io.marmot.clock.VersionWriters writers = io.marmot.verify.Verifier.versionWriters(config);
        NodeIdentity identity;
        SchemaWatcher watcher;
        Replication replication;
        try (NodeSetUp.Held setUp = NodeSetUp.establish(database, config, writers)) {
            identity = setUp.identity();
            watcher = new SchemaWatcher(database, identity.nodeId(), config, MarmotRuntime.get().schemaWatch(), writers,
                    !config.publish() && !config.replicate());
            replication = config.publish() || config.replicate() ? Replication.start(identity.nodeId(),
                    identity.instance(), database, config, fresh, catchUpFrom, watcher.reads(), writers) : null;
        }
        long nodeId = identity.nodeId();
        MarmotEngine engine = new MarmotEngine(database, config, nodeId, watcher, replication, writers);
        if (engine.snapshots != null) {
            io.marmot.snapshot.SnapshotLeftovers.remove(database);
            replication.every(engine.snapshots.tickMillis(), engine.snapshots::lookDue, engine.snapshots::tick);
        }
        if (engine.feed != null) {
            replication.every(ChangeFeed.TICK_MILLIS, () -> true, engine.feed::tick);
        }
        engine.look = replication == null ? new DatabaseLook(database, watcher, null, null, null, null)
                : replication.look(database, watcher, new HealthWatch(replication.listeners(), engine::health));
        engine.look.start(MarmotRuntime.get().looks(), config.pollInterval());
        log.info("{} - engine started for {} ({})", nodeId, database, config);
        return engine;
    }

    public long nodeId() {
        return nodeId;
    }

    /** This node's next cluster-unique id, as {@code marmot_id()} gives it (see {@code io.marmot.clock.ClusterId});
     * {@link IllegalArgumentException} when the node id does not fit the id's 12 node bits (1 to 4095). */
    public long nextId() {
        return runtime.ids(nodeId).nextId(nodeId);
    }

    public Path database() {
        return database;
    }

    SchemaWatcher schemaWatcher() {
        return schemaWatcher;
    }

    /** What every writer of this database's row versions shares (the collector of changed keys, say). */
    io.marmot.clock.VersionWriters versionWriters() {
        return writers;
    }

    public MarmotConfig config() {
        return config;
    }

    public boolean isClosed() {
        return closed;
    }

    /** There may be changes to send: after a commit through the driver, or another writer's (the sidecar's start). */
    public void committed() {
        DatabaseLook l = look;
        if (l != null) { // else the engine is starting: its first look finds the WAL written anyway
            l.committed();
        }
    }

    /** Hears the transactions changing {@code tables} (none: any) and node events; see {@link ChangeListener}. */
    public void addChangeListener(ChangeListener listener, String... tables) {
        addChangeListener(listener, 10_000, tables);
    }

    /** Like {@link #addChangeListener(ChangeListener, String...)}, buffering up to {@code bufferedEvents}. */
    public void addChangeListener(ChangeListener listener, int bufferedEvents, String... tables) {
        listeners().add(listener, bufferedEvents, java.util.Set.of(tables));
    }

    /** Stops delivering to {@code listener}; what it was about to hear is dropped. */
    public void removeChangeListener(ChangeListener listener) {
        listeners().remove(listener);
    }

    private ChangeListeners listeners() {
        if (replication == null) {
            throw new IllegalStateException("replication is off for " + database + ": no changes to hear");
        }
        return replication.listeners();
    }

    /** Counters of replication (all zero when it is off). */
    public ReplicationStats stats() {
        return replication == null ? new ReplicationCounters().read() : replication.stats();
    }

    /** Figures of this node's snapshots and restores (all zero when replication is off). */
    public SnapshotStats.Reading snapshotStats() {
        return snapshots == null ? new SnapshotStats().read() : snapshots.stats().read();
    }

    /** What the cluster's change feed ({@code change-feed}) did on this node; null when it is off. */
    public ChangeFeedStats changeFeedStats() {
        return feed == null ? null : feed.reading();
    }

    /** Takes a snapshot of this database now and stores it (waits while another node takes one). */
    public Manifest saveSnapshot() throws SQLException {
        if (snapshots == null) {
            throw new SQLException("replication is off for " + database + " (publish=false and replicate=false): no NATS to store a snapshot in");
        }
        return snapshots.saveNow(Snapshots.LEASE_WAIT);
    }

    /** Forgets the record of missed messages once the operator healed the node; returns how many ranges it held. */
    public int clearOutOfSync() throws SQLException {
        int cleared;
        try (SQLiteConnection c = Sqlite.open(database)) {
            cleared = MissedMessages.clear(c);
        }
        if (replication != null) {
            replication.missedChanged();
        }
        if (cleared > 0) {
            log.warn("{} - the record of {} missed message range(s) was cleared by the operator", nodeId, cleared);
        }
        return cleared;
    }

    /** The ranges of messages this node missed, one line each, empty when it is in sync. */
    public List<String> missedRanges() throws SQLException {
        try (SQLiteConnection c = Sqlite.open(database)) {
            return MissedMessages.describe(c);
        }
    }

    /** Whether this node can be trusted to converge now, and what is wrong when it cannot. */
    public Health health() {
        return Health.of(replication != null, natsConnected(), stats(), config.maxClockSkew().toMillis(), NodeProblems.of(replication, config, natsConnected(), stats()));
    }

    /**
     * Takes the cluster-wide lock {@code name} (see {@link ClusterLock}): waits for it, then until this node caught up
     * with the change streams, each within {@code timeout}. Taken again on the thread that holds it (a migration tool
     * that locks by itself, run inside the application's own lock), it joins the held lock instead of waiting for it.
     */
    public ClusterLock clusterLock(String name, java.time.Duration timeout) throws SQLException {
        if (replication == null || lockOwners.heldHere(name)) {
            return new ClusterLock(this, name, () -> { }, timeout); // this node is the cluster, or holds it already
        }
        AutoCloseable held = lockOwners.owned(name, replication.clusterLock(name, timeout));
        try {
            replication.awaitCaughtUp(timeout);
        } catch (SQLException | RuntimeException e) {
            try {
                held.close();
            } catch (Exception release) {
                e.addSuppressed(release);
            }
            throw e;
        }
        return new ClusterLock(this, name, held, timeout);
    }

    /** The first connection's wait: until this node applied what the streams held at its start, or catch-up-wait. */
    void awaitStartCatchUp() {
        if (replication != null) {
            replication.awaitStartCatchUp();
        }
    }

    /** Waits until this node applied everything the change streams hold now (a no-op without replication). */
    public void awaitCaughtUp(java.time.Duration timeout) throws SQLException {
        if (replication != null) {
            replication.awaitCaughtUp(timeout);
        }
    }

    /** Waits until JetStream acknowledged every change this node logged so far (a no-op without publishing). */
    public void awaitPublished(java.time.Duration timeout) throws SQLException {
        if (replication != null && config.publish()) {
            replication.awaitPublished(timeout, database);
        }
    }

    /** Whether this node is connected to NATS. */
    public boolean natsConnected() {
        return replication != null && replication.connected();
    }

    /** The NATS URL this node uses (credentials masked), or empty when replication is off. */
    public String natsUrl() {
        return replication == null ? "" : replication.natsUrl();
    }

    /** Idempotent; a second caller (the JVM exit hook and an application's own, say) waits until it is done. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (look != null) {
            look.close();
        }
        schemaWatcher.close();
        if (feed != null) {
            feed.close();
        }
        if (replication != null) {
            replication.close();
        }
        OpenGroups.closeAtStop(database, nodeId);
        Engines.forget(this);
        log.info("{} - engine stopped for {}", nodeId, database);
    }
}
