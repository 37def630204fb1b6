package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;

import io.marmot.Marmot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nats-server comes back with an empty store (wiped, replaced): nodes recreate the streams and go on replicating. */
class NatsStoreLostTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void replicationResumesOnAFreshServer() throws Exception {
        Path store = dir.resolve("nats");
        TestNats nats = TestNats.start(store);
        int port = nats.port();
        try (Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url())) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            exec(b, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            for (int i = 1; i <= 50; i++) {
                exec(a, "INSERT INTO t VALUES (" + i + ")"); // 50 messages: b's position is well past 1
            }
            Await.until(Duration.ofSeconds(20), "first rows on b", () -> scalar(b, "SELECT count(*) FROM t") == 50);

            nats.close();
            try (Stream<Path> files = Files.walk(store)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            nats = TestNats.start(store, port);

            exec(a, "INSERT INTO t VALUES (51)");
            exec(b, "INSERT INTO t VALUES (52)");
            Await.until(Duration.ofSeconds(30), "new rows on both nodes", () -> scalar(b, "SELECT count(*) FROM t") == 52
                    && scalar(a, "SELECT count(*) FROM t") == 52);
        } finally {
            nats.close();
        }
    }

    /**
     * A node frozen while the store was lost and a peer then wrote more than it had read before: the new stream is
     * recognised by its identity, not its sequence numbers, and read from its beginning, so nothing is skipped.
     */
    @Test
    void aNodeFrozenWhileTheStoreWasLostReadsTheNewStreamFromItsBeginning() throws Exception {
        Path store = dir.resolve("nats");
        TestNats nats = TestNats.start(store);
        int port = nats.port();
        Path bDb = dir.resolve("b.db");
        try (Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url());
                NodeProcess b = new NodeProcess(bDb, 2, nats.url(), dir.resolve("b.log"))) {
            exec(a, Workload.SCHEMA.toArray(String[]::new));
            insertEvents(a, 1, 50);
            Await.until(Duration.ofSeconds(20), "50 rows on b", () -> CrashRecoveryTest.count(bDb, "SELECT count(*) FROM events") == 50);

            b.signal("STOP");
            nats.close();
            wipe(store);
            nats = TestNats.start(store, port);
            insertEvents(a, 51, 150); // the new stream holds 100 messages: more than b's old position of 50
            var engineA = Marmot.engine(dir.resolve("a.db")).orElseThrow();
            Await.until(Duration.ofSeconds(30), "a published its rows to the new stream", 
                    () -> engineA.stats().publishedChanges() >= 150);
            b.signal("CONT");

            Await.until(Duration.ofSeconds(60), "all 150 rows on b", () -> CrashRecoveryTest.count(bDb, "SELECT count(*) FROM events") == 150);
            b.send("stats");
            String stats = b.expect(l -> l.startsWith("stats "), 10);
            org.junit.jupiter.api.Assertions.assertTrue(stats.contains("outOfSync=false"), "b had read everything of the old stream: " + stats);
        } finally {
            nats.close();
        }
    }

    private static void insertEvents(Connection c, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            exec(c, "INSERT INTO events VALUES (" + i + ", 'event " + i + "')");
        }
    }

    private static void wipe(Path store) throws Exception {
        try (Stream<Path> files = Files.walk(store)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
