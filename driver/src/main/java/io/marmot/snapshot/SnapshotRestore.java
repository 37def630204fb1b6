package io.marmot.snapshot;

import io.marmot.capture.ChangeLog;
import io.marmot.config.MarmotConfig;
import io.marmot.replication.NatsConnector;
import io.marmot.schema.SchemaReader;
import io.marmot.sqlite.Sqlite;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(3);

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
        RestoreProgress.update(database, "connecting to NATS");
        RestoreProgress.Result result = null;
        try (Connection nc = NatsConnector.connectWithin(config.nats(), config.snapshots().restoreWait())) {
            if (nc == null) {
                log.warn("{} is a new database, but NATS did not answer within {} s (snapshot-restore-wait): it opens"
                        + " empty, and replication catches up when NATS answers", database,
                        config.snapshots().restoreWait().toSeconds());
                return false;
            }
            result = restoreFrom(new SnapshotStore(nc, config.streams()), database);
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
            String refused = download(store, m, temp, database);
            if (refused == null) {
                refused = verify(temp, m);
            }
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

    /** Downloads into {@code temp}, logging progress; the reason it failed, or null. */
    private static String download(SnapshotStore store, Manifest m, Path temp, Path database) throws InterruptedException {
        MessageDigest digest = SnapshotCopy.sha256Digest();
        long started = System.nanoTime();
        try (OutputStream file = Files.newOutputStream(temp);
                Progress out = new Progress(file, digest, m, database, started)) {
            store.download(m.name(), out);
            out.flush();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return "download failed: " + e.getMessage();
        }
        String sha = HexFormat.of().formatHex(digest.digest());
        if (!sha.equals(m.sha256())) {
            return "its SHA-256 is " + sha + ", the manifest says " + m.sha256();
        }
        return null;
    }

    /** Checks the downloaded file; the reason it is unusable, or null. */
    private static String verify(Path temp, Manifest m) {
        if (m.format() != Manifest.FORMAT) {
            return "format " + m.format() + " is not the format this version reads (" + Manifest.FORMAT + ")";
        }
        try {
            if (m.size() >= 0 && Files.size(temp) != m.size()) {
                return "it has " + Files.size(temp) + " bytes, the manifest says " + m.size();
            }
        } catch (IOException e) {
            return e.toString();
        }
        try (SQLiteConnection c = Sqlite.open(temp); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            String first = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(first)) {
                return "integrity check: " + first;
            }
        } catch (SQLException e) {
            return "not a database: " + e.getMessage();
        }
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

    /** Counts, digests and reports the bytes as they arrive. */
    private static final class Progress extends FilterOutputStream {
        private final MessageDigest digest;
        private final Manifest m;
        private final Path database;
        private final long started;
        private long bytes;
        private long lastReport;

        Progress(OutputStream out, MessageDigest digest, Manifest m, Path database, long started) {
            super(out);
            this.digest = digest;
            this.m = m;
            this.database = database;
            this.started = started;
            this.lastReport = started;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            digest.update(b, off, len);
            bytes += len;
            long now = System.nanoTime();
            if (now - lastReport >= PROGRESS_EVERY_NANOS) {
                lastReport = now;
                double seconds = (now - started) / 1e9;
                String status = String.format("restoring snapshot %s: %d of %d bytes (%d%%), %.1f MB/s", m.name(), bytes,
                        m.size(), m.size() > 0 ? bytes * 100 / m.size() : 0, bytes / 1e6 / Math.max(seconds, 1e-3));
                log.info("{} - {}", database, status);
                RestoreProgress.update(database, status);
            }
        }
    }
}
