package io.marmot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher closes its connection once its database is quiet (issue 24, fewer descriptors) and notices the next
 * commit at once: one made by another program (no driver to wake it: its poll finds the WAL written) and one made
 * through the driver both reach the peer, and both files end equal.
 */
class QuietPublisherTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    /** Replication after a quiet spell: a poll a second at most, then publishing and applying. */
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void commitsAfterThePublisherLetItsConnectionGoReachThePeer() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
        Path root = dir.toRealPath();
        Path a = root.resolve("a.db");
        Path b = root.resolve("b.db");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            for (int node = 1; node <= 2; node++) {
                try (Connection c = Db.node(node == 1 ? a : b, node, nats.url())) {
                    Db.exec(c, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)");
                }
            }
            try (Connection c = Db.node(a, 1, nats.url())) {
                Db.exec(c, "INSERT INTO notes VALUES (1, 'before the quiet')");
            }
            Await.until(WITHIN, "the first row on b", () -> Db.count(b, "SELECT count(*) FROM notes") == 1);

            // Quiet: only the applier's connection still holds a's WAL open (the publisher's let it go).
            Await.until(WITHIN, "a's WAL held by the applier's connection alone", () -> walDescriptors(a) == 1);
            try (Connection other = Db.plain(a)) { // another program: nothing wakes the publisher
                Db.exec(other, "INSERT INTO notes VALUES (2, 'from another program, after the quiet')");
            }
            Await.until(PROMPTLY, "the other program's row on b", () -> Db.count(b, "SELECT count(*) FROM notes") == 2);

            Await.until(WITHIN, "a's WAL held by the applier's connection alone again", () -> walDescriptors(a) == 1);
            try (Connection c = Db.node(a, 1, nats.url())) {
                Db.exec(c, "INSERT INTO notes VALUES (3, 'through the driver, after the quiet')");
            }
            Await.until(PROMPTLY, "the driver's row on b", () -> Db.count(b, "SELECT count(*) FROM notes") == 3);
            assertEquals(Db.dump(a), Db.dump(b));
        } finally {
            Marmot.closeAll();
        }
    }

    /** This JVM's open descriptors on {@code db}'s WAL: one per connection that read it. */
    private static int walDescriptors(Path db) throws IOException {
        Path wal = Path.of(db + "-wal");
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    n += Files.readSymbolicLink(fd).equals(wal) ? 1 : 0;
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }
}
