package io.marmot.snapshot;

import io.marmot.sqlite.Sqlite;
import io.nats.client.JetStreamApiException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * Fetches a snapshot into a file and checks it before anything uses it: the SHA-256 of the bytes received against
 * the manifest, the size, the format, and {@code PRAGMA integrity_check}. Logs progress every few seconds.
 */
final class SnapshotDownload {
    private static final Logger log = LoggerFactory.getLogger(SnapshotDownload.class);
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(3);

    private SnapshotDownload() {
    }

    /** Downloads and checks; the reason the snapshot is unusable, or null when {@code temp} holds a good copy. */
    static String fetch(SnapshotStore store, Manifest m, Path temp, Path database) throws InterruptedException {
        String refused = download(store, m, temp, database);
        return refused != null ? refused : verify(temp, m);
    }

    /** Downloads into {@code temp}, logging progress; the reason it failed, or null. */
    private static String download(SnapshotStore store, Manifest m, Path temp, Path database) throws InterruptedException {
        long started = System.nanoTime();
        MessageDigest digest;
        try (OutputStream file = Files.newOutputStream(temp)) {
            // jnats refuses bytes that do not match the object's SHA-256: when that is the manifest's, the bytes are
            // the manifest's, and hashing them a second time would only double the cost of a restore.
            digest = sameSha256(store.digest(m.name()), m.sha256()) ? null : SnapshotCopy.sha256Digest();
            try (Progress out = new Progress(file, digest, m, database, started)) {
                store.download(m.name(), out);
                out.flush();
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return "download failed: " + e.getMessage();
        }
        String sha = digest == null ? m.sha256() : HexFormat.of().formatHex(digest.digest());
        if (!sha.equals(m.sha256())) {
            return "its SHA-256 is " + sha + ", the manifest says " + m.sha256();
        }
        return null;
    }

    /** Whether an Object Store digest ({@code SHA-256=<base64url>}) is the SHA-256 written in hex. */
    static boolean sameSha256(String objectDigest, String hex) {
        String prefix = "SHA-256=";
        if (objectDigest == null || hex == null || !objectDigest.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        try {
            byte[] bytes = java.util.Base64.getUrlDecoder().decode(objectDigest.substring(prefix.length()));
            return HexFormat.of().formatHex(bytes).equalsIgnoreCase(hex);
        } catch (IllegalArgumentException e) {
            return false;
        }
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
        // Checked where it was taken, and the SHA-256 proves these are the same bytes: reading the schema shows it
        // opens. A copy not checked at its source is checked here.
        String check = m.checked() ? "SELECT 'ok' FROM sqlite_master LIMIT 1" : "PRAGMA integrity_check";
        try (SQLiteConnection c = Sqlite.open(temp); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(check)) {
            String first = rs.next() ? rs.getString(1) : "no schema";
            if (!"ok".equals(first)) {
                return "integrity check: " + first;
            }
        } catch (SQLException e) {
            return "not a database: " + e.getMessage();
        }
        return null;
    }

    /** Counts, digests (unless the Object Store's check suffices: digest null) and reports the bytes as they arrive. */
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
            if (digest != null) {
                digest.update(b, off, len);
            }
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
