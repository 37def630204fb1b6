package io.marmot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database per tenant (issue 24, "fewer descriptors"): the file descriptors this JVM holds on replicating
 * databases nobody has a connection to, counted in {@code /proc/self/fd} by the file they point to (the database,
 * its {@code -wal} and {@code -shm}), once they replicated and again after verification rounds.
 */
class DescriptorsPerDatabaseTest {
    private static final int TENANTS = 10; // 20 databases: two replicas each
    /**
     * Average per database the engine keeps open while nothing is written. Issue 24 asks for 4; measured: 11.8 before
     * the occasional readers closed their connections when idle, 7.5 after (db 4.5, wal 2, shm 1), 6.6 once the
     * publisher closed its connection too (db 4.6, wal 1, shm 1): the applier's connection (the database and its WAL),
     * the -shm all connections share, and database descriptors of closed connections. SQLite (unix VFS) does not close
     * a closed connection's database descriptor while another connection of the process holds a lock on the file (in
     * WAL mode an open connection holds one all the time); it reuses it for the next open. So a database kept as many
     * as it once had connections open at the same time, until the applier closed its connection too: 0.5 since (a
     * database or two whose verification round or look has its connection open at the moment; 0 for the others).
     */
    private static final double BOUND = 2.0;
    /**
     * At the worst moment of the sampling: in the full driver suite every database reopened its connections at one
     * moment now and then (7 each, all 20 at once; not alone), cause not found yet. Main held 8 before.
     */
    private static final double PEAK_BOUND = 8.0;
    /** What idle databases settle to on a machine not otherwise busy: waited for (within a bound), then reported. */
    private static final double SETTLED = 0.5;
    /** Once settled, sampled this long: connections opened again and again (a look set off by another's close) show. */
    private static final Duration SAMPLED = Duration.ofSeconds(10);
    private static final Duration WITHIN = Duration.ofMinutes(2);
    private static final Duration IDLE_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void anIdleReplicatingDatabaseHoldsAFewDescriptors() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
        Path root = dir.toRealPath();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            for (int t = 0; t < TENANTS; t++) {
                for (int replica = 1; replica <= 2; replica++) {
                    try (Connection c = Db.node(db(root, t, replica), "node-id=" + replica + "&nats-url=" + nats.url()
                            + "&stream-prefix=tenant-" + t + "&subject-prefix=tenant-" + t + "&verify-interval=1"
                            + "&max-log-bytes=" + (8 << 20))) {
                        Db.exec(c, "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)");
                        if (replica == 1) {
                            Db.exec(c, "INSERT INTO notes VALUES (1, 'hello tenant " + t + "')");
                        }
                    }
                }
            }
            for (int t = 0; t < TENANTS; t++) {
                Path first = db(root, t, 1);
                Path second = db(root, t, 2);
                Await.until(WITHIN, "tenant " + t + "'s replicas hold the same rows",
                        () -> Db.dump(first).equals(Db.dump(second)));
            }
            Map<String, Integer> replicated = descriptorsByDatabase(root);
            report("replicated", replicated);
            for (int t = 0; t < TENANTS; t++) {
                for (int replica = 1; replica <= 2; replica++) {
                    Path p = db(root, t, replica);
                    Await.until(WITHIN, p + " verified against its peer",
                            () -> Marmot.engine(p).orElseThrow().stats().peersAgreeing() == 1);
                }
            }
            report("just verified", descriptorsByDatabase(root));
            // Idle: connections opened for a round or a look go once the files were quiet for a while (a few seconds).
            Map<String, Integer> verified = descriptorsByDatabase(root);
            long deadline = System.nanoTime() + IDLE_WITHIN.toNanos();
            while (perDatabase(verified) > SETTLED && System.nanoTime() < deadline) {
                Thread.sleep(200); // bounded by the deadline: the count is sampled, there is no event to wait for
                verified = descriptorsByDatabase(root);
            }
            double perDatabase = report("idle, with verification rounds every second", verified);
            assertTrue(perDatabase <= BOUND, perDatabase + " descriptors per idle database: " + verified);
            Map<String, Integer> most = verified;
            for (long end = System.nanoTime() + SAMPLED.toNanos(); System.nanoTime() < end;) {
                Thread.sleep(100); // sampling for a fixed time, bounded by it
                Map<String, Integer> now = descriptorsByDatabase(root);
                most = perDatabase(now) > perDatabase(most) ? now : most;
            }
            double stays = report("idle, the most sampled in " + SAMPLED.toSeconds() + " s", most);
            assertTrue(stays <= PEAK_BOUND, stays + " descriptors per idle database at one moment: " + most);
            assertEquals("hello tenant 7", Db.text(db(root, 7, 2), "SELECT body FROM notes WHERE id = 1"));
            // Every connection let go: a row written now still reaches the other replica (the applier opens again).
            try (Connection c = Db.node(db(root, 7, 1), "node-id=1&nats-url=" + nats.url() + "&stream-prefix=tenant-7"
                    + "&subject-prefix=tenant-7&verify-interval=1&max-log-bytes=" + (8 << 20))) {
                Db.exec(c, "INSERT INTO notes VALUES (2, 'after the quiet')");
            }
            Await.until(WITHIN, "the row written after the quiet is on the other replica",
                    () -> Db.dump(db(root, 7, 1)).equals(Db.dump(db(root, 7, 2))));
            assertEquals("after the quiet", Db.text(db(root, 7, 2), "SELECT body FROM notes WHERE id = 2"));
        } finally {
            Marmot.closeAll();
        }
    }

    private static double perDatabase(Map<String, Integer> byDatabase) {
        return byDatabase.values().stream().mapToInt(Integer::intValue).sum() / (2.0 * TENANTS);
    }

    private static double report(String when, Map<String, Integer> byDatabase) throws IOException {
        int total = byDatabase.values().stream().mapToInt(Integer::intValue).sum();
        double per = perDatabase(byDatabase);
        System.out.printf("file descriptors %s: %d for %d databases (%.1f each; by file: %s) %s%n", when, total,
                2 * TENANTS, per, byKind(), byDatabase);
        return per;
    }

    /** The same descriptors by the file they point to: database, -wal or -shm. */
    private static Map<String, Integer> byKind() throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.contains("tenant-")) {
                        out.merge(target.endsWith("-wal") ? "wal" : target.endsWith("-shm") ? "shm" : "db", 1, Integer::sum);
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    private static Path db(Path root, int tenant, int replica) {
        return root.resolve("tenant-" + tenant + "-" + replica + ".db");
    }

    /** This JVM's open descriptors on files under {@code root}, by database (its -wal and -shm counted with it). */
    private static Map<String, Integer> descriptorsByDatabase(Path root) throws IOException {
        Map<String, Integer> out = new TreeMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    continue; // closed meanwhile
                }
                if (target.startsWith(root)) {
                    String name = root.relativize(target).toString().replaceAll("-(wal|shm|journal)$", "");
                    out.merge(name, 1, Integer::sum);
                }
            }
        }
        return out;
    }
}
