package io.marmot.snapshot;

import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.nats.NatsConnector;
import io.marmot.sqlite.Sqlite;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.sqlite.SQLiteConnection;

/**
 * Snapshots from outside a running engine: restore into a new database before it opens, take one from a database
 * file on its own connection (the sidecar's {@code --save-snapshot}), list what is stored ({@code --list-snapshots}).
 */
public final class Snapshots {
    /** How long a snapshot taken on demand waits while another node takes one. */
    public static final Duration LEASE_WAIT = Duration.ofMinutes(2);
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

    private Snapshots() {
    }

    /**
     * Restores the newest snapshot into {@code database} if it is new (missing, or no user tables and nothing read
     * from the streams); waits up to {@code snapshot-restore-wait} for NATS. True when it restored one. Never fails
     * for want of a snapshot or of NATS: the database then opens as it is, and that is logged.
     */
    public static boolean restoreIfNew(Path database, MarmotConfig config) throws SQLException {
        return SnapshotRestore.restoreIfNew(database, config);
    }

    /** Whether the database is new: missing, empty, or without user tables and without any stream read. */
    public static boolean isNew(Path database) throws SQLException {
        return SnapshotRestore.isNew(database);
    }

    /** Takes a snapshot of a database file and stores it, on a connection of its own. */
    public static Manifest save(Path database, MarmotConfig config) throws SQLException {
        long nodeId = config.nodeId();
        if (nodeId == 0) {
            try (SQLiteConnection c = Sqlite.open(database)) {
                nodeId = SnapshotCopy.hasTable(c, ChangeLog.STATE) ? ChangeLog.storedNodeId(c) : 0;
            }
        }
        long node = nodeId;
        try (NatsConnector.Once nats = connect(config)) {
            Connection nc = nats.connection();
            return new SnapshotSchedule(database, config, node, () -> nc, () -> false, () -> { }, null,
                    io.marmot.clock.VersionWriters.alone(), null).saveNow(LEASE_WAIT);
        }
    }

    /**
     * Merges a snapshot file (a checked copy, as downloaded) into a live database the way healing does: row by row
     * through the applier's last-writer-wins rule, in bounded transactions. Returns the rows read, applied and found
     * older than here; throws when part of it could not be merged (schemas differ). For tools and the benchmark.
     */
    public static long[] merge(Path database, Path snapshotFile, MarmotConfig config) throws SQLException {
        long nodeId;
        try (SQLiteConnection c = Sqlite.open(database)) {
            nodeId = ChangeLog.storedNodeId(c);
        }
        SnapshotMerge.Outcome o = SnapshotMerge.merge(database, snapshotFile, null, config, nodeId, io.marmot.clock.VersionWriters.alone());
        if (!o.complete()) {
            throw new SQLException("the snapshot could not be merged whole: " + o.problems());
        }
        return new long[] {o.rows(), o.applied(), o.stale()};
    }

    /** The stored snapshots, newest first. */
    public static List<Manifest> list(MarmotConfig config) throws SQLException {
        try (NatsConnector.Once nats = connect(config)) {
            return new SnapshotStore(nats.connection(), config.streams()).list();
        } catch (IOException | JetStreamApiException e) {
            throw new SQLException("listing snapshots failed: " + e.getMessage(), e);
        }
    }

    private static NatsConnector.Once connect(MarmotConfig config) throws SQLException {
        try {
            NatsConnector.Once nc = NatsConnector.connectWithin(config.nats(), CONNECT_WAIT);
            if (nc == null) {
                throw new SQLException("NATS at " + io.marmot.config.Secrets.maskUrl(NatsConnector.url(config.nats()))
                        + " did not answer within " + CONNECT_WAIT.toSeconds() + " s", "08001");
            }
            return nc;
        } catch (IOException e) {
            throw new SQLException(e.getMessage(), "08001", e);
        }
    }
}
