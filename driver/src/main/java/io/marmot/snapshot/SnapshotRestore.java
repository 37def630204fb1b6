package io.marmot.snapshot;

import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.nats.NatsConnector;
import io.marmot.nats.NatsLink;
import io.nats.client.Connection;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Restores the newest snapshot into a new database before SQLite opens it: download beside the database, verify
 * (SHA-256, {@code PRAGMA integrity_check}, format), then move it into place in one rename with no stale
 * {@code -wal}/{@code -shm} left. Until the rename the database is untouched, so a crash at any point leaves a
 * database that is still new, and the next start restores again. A snapshot that fails a check is logged with the
 * reason and the next older one is tried.
 */
final class SnapshotRestore {
    private static final Logger log = LoggerFactory.getLogger(SnapshotRestore.class);

    private SnapshotRestore() {
    }

    /** Whether the database is new: missing, empty, or without user tables and without any stream read. */
    static boolean isNew(Path database) throws SQLException {
        try {
            if (!Files.exists(database) || Files.size(database) == 0) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
        try (SQLiteConnection c = Sqlite.open(database)) { // only reads
            if (!SchemaReader.userTables(c).isEmpty()) {
                return false;
            }
            if (SnapshotCopy.hasTable(c, SnapshotCopy.RECEIVED)) {
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SnapshotCopy.RECEIVED + " WHERE seq > 0")) {
                    return rs.next() && rs.getLong(1) == 0;
                }
            }
            return true;
        }
    }

    /** Restores into {@code database} if it is new and a snapshot exists; true when it restored one. */
    static boolean restoreIfNew(Path database, MarmotConfig config) throws SQLException {
        if (!config.replicate() || !isNew(database)) {
            return false;
        }
        if (config.nats().embedded() && !NatsConnector.embeddedAnswers(config.nats())) {
            return false; // this node starts the local server: there is no cluster to take a snapshot from
        }
        Connection shared = config.nats().embedded() ? null : NatsLink.connectedShared(config.nats().url(), config.nats());
        if (shared != null) {
            // the connection this JVM's engines share, left open
            return restoreReporting(database, () -> restoreFrom(new SnapshotStore(shared, config.streams()), database));
        }
        RestoreProgress.update(database, "connecting to NATS");
        return restoreReporting(database, () -> restoreConnecting(database, config));
    }

    private static RestoreProgress.Result restoreConnecting(Path database, MarmotConfig config)
            throws IOException, JetStreamApiException, InterruptedException, SQLException {
        long deadline = System.nanoTime() + config.snapshots().restoreWait().toNanos();
        try (NatsConnector.Once nats = NatsConnector.connectWithin(config.nats(), config.snapshots().restoreWait())) {
            if (nats != null && config.nats().cluster().enabled()
                    && !NatsConnector.awaitJetStream(nats.connection(), deadline)) {
                log.warn("{} is a new database, but the embedded cluster formed no quorum within {} s"
                        + " (snapshot-restore-wait): it opens empty, and replication catches up when it forms",
                        database, config.snapshots().restoreWait().toSeconds());
                return null;
            }
            if (nats == null) {
                log.warn("{} is a new database, but NATS did not answer within {} s (snapshot-restore-wait): it opens"
                        + " empty, and replication catches up when NATS answers", database,
                        config.snapshots().restoreWait().toSeconds());
                return null;
            }
            return restoreFrom(new SnapshotStore(nats.connection(), config.streams()), database);
        }
    }

    private interface Attempt {
        RestoreProgress.Result run() throws IOException, JetStreamApiException, InterruptedException, SQLException;
    }

    /** Runs a restore attempt, reporting its end to {@link RestoreProgress}; true when it restored a snapshot. */
    private static boolean restoreReporting(Path database, Attempt attempt) throws SQLException {
        RestoreProgress.Result result = null;
        try {
            result = attempt.run();
            return result != null;
        } catch (IOException | JetStreamApiException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("{} is a new database, but looking for a snapshot failed ({}): it opens empty and replication"
                    + " starts from the beginning of the streams", database, e.toString());
            return false;
        } finally {
            RestoreProgress.finished(database, result);
        }
    }

    private static RestoreProgress.Result restoreFrom(SnapshotStore store, Path database)
            throws IOException, JetStreamApiException, InterruptedException, SQLException {
        List<Manifest> candidates = new ArrayList<>(store.list());
        if (candidates.isEmpty()) {
            log.info("{} is a new database and no snapshot exists yet: replication starts from the beginning of the"
                    + " streams", database);
            return null;
        }
        KeyValueEntry newest = store.newest();
        if (newest != null) {
            String name = new String(newest.getValue(), StandardCharsets.UTF_8);
            candidates.sort((a, b) -> Boolean.compare(b.name().equals(name), a.name().equals(name)));
        }
        Path temp = database.resolveSibling(database.getFileName() + ".marmot-restore");
        int refusedCount = 0;
        for (Manifest m : candidates) {
            long started = System.nanoTime();
            String refused = SnapshotDownload.fetch(store, m, temp, database);
            if (refused != null) {
                log.warn("{} - snapshot {} refused: {}; the database is untouched, trying the next older snapshot",
                        database, m.name(), refused);
                deleteQuietly(temp);
                refusedCount++;
                continue;
            }
            keepStoredNodeId(database, temp);
            for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
                Files.deleteIfExists(database.resolveSibling(database.getFileName() + suffix));
            }
            Files.move(temp, database, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long millis = (System.nanoTime() - started) / 1_000_000;
            log.info("{} restored from snapshot {} of node {} ({} rows, {} bytes in {} ms): replication goes on from"
                    + " positions {}", database, m.name(), m.sourceNode(), m.rows(), m.size(), millis, m.positions());
            return new RestoreProgress.Result(m.name(), m.size(), m.rows(), millis, refusedCount);
        }
        log.warn("{} is a new database, but none of the {} snapshot(s) could be used: it opens empty and replication"
                + " starts from the beginning of the streams", database, candidates.size());
        return null;
    }

    /** A database that had run as a node keeps its stored node id (the copy carries none). */
    private static void keepStoredNodeId(Path database, Path temp) throws SQLException {
        if (!Files.exists(database)) {
            return;
        }
        long id;
        try (SQLiteConnection old = Sqlite.open(database)) {
            id = SnapshotCopy.hasTable(old, ChangeLog.STATE) ? ChangeLog.storedNodeId(old) : 0;
        }
        if (id == 0) {
            return;
        }
        try (SQLiteConnection c = Sqlite.open(temp);
                PreparedStatement ps = c.prepareStatement("UPDATE " + ChangeLog.STATE + " SET node_id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("deleting {}: {}", file, e.toString());
        }
    }

}
