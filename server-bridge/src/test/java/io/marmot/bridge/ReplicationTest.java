package io.marmot.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.NatsServerRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two sidecars, each replicating a database that only the sqlite3 shell writes, converge on inserts, updates
 * and deletes made on either side. The engines poll only once a second here, so promptness comes from the
 * sidecar's file watcher.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReplicationTest {
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    @TempDir
    static Path dir;
    private NatsServerRunner nats;
    private Path db1;
    private Path db2;
    private SidecarProcess node1;
    private SidecarProcess node2;

    @BeforeAll
    void startTwoSidecars() throws Exception {
        nats = SidecarProcess.nats(Files.createDirectories(dir.resolve("nats")));
        db1 = dir.resolve("marmot-1.db");
        db2 = dir.resolve("marmot-2.db");
        Sqlite3.run(db1, Sqlite3.BOOKS);
        Sqlite3.run(db2, Sqlite3.BOOKS);
        node1 = SidecarProcess.replicate(db1, 1, nats.getURI(), "--poll-interval", "1000");
        node2 = SidecarProcess.replicate(db2, 2, nats.getURI(), "--poll-interval", "1000");
        node1.awaitReplicating();
        node2.awaitReplicating();
    }

    @AfterAll
    void stopAll() throws Exception {
        if (node1 != null) {
            node1.close();
        }
        if (node2 != null) {
            node2.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void insertsUpdatesAndDeletesOfTheSqliteShellConvergeBothWays() throws Exception {
        Sqlite3.run(db1, "INSERT INTO Books VALUES (101, 'Pride and Prejudice', 'Jane Austen', 1813)");
        Sqlite3.run(db1, "INSERT INTO Books VALUES (102, 'Emma', 'Jane Austen', 1815)");
        awaitRow(db2, "101|Pride and Prejudice|Jane Austen|1813");

        Sqlite3.run(db2, "INSERT INTO Books VALUES (201, 'Dracula', 'Bram Stoker', 1897);"
                + " UPDATE Books SET publication_year = 1816 WHERE id = 102");
        awaitConverged();
        assertTrue(Sqlite3.books(db1).contains("102|Emma|Jane Austen|1816"), Sqlite3.books(db1));
        assertTrue(Sqlite3.books(db1).contains("201|Dracula|Bram Stoker|1897"), Sqlite3.books(db1));

        Sqlite3.run(db1, "DELETE FROM Books WHERE id = 201; UPDATE Books SET title = 'Pride & Prejudice' WHERE id = 101");
        Sqlite3.run(db2, "BEGIN; INSERT INTO Books VALUES (202, 'Frankenstein', 'Mary Shelley', 1818);"
                + " INSERT INTO Books VALUES (203, 'Ivanhoe', 'Walter Scott', 1819); COMMIT");
        awaitConverged();
        assertEquals("101|Pride & Prejudice|Jane Austen|1813\n102|Emma|Jane Austen|1816\n"
                + "202|Frankenstein|Mary Shelley|1818\n203|Ivanhoe|Walter Scott|1819",
                Sqlite3.run(db1, "SELECT id, title, author, publication_year FROM Books WHERE id < 1000 ORDER BY id"));
    }

    /**
     * Commit-to-peer latency of the sidecar path: a sqlite3 shell inserts on node 1; the test watches node 2's
     * file with a plain SQLite reader. Printed for the record; bounded loosely (the machine is shared).
     */
    @Test
    void aCommitOfTheSqliteShellReachesThePeerPromptly() throws Exception {
        int rounds = 20;
        List<Long> fromExit = new ArrayList<>();
        List<Long> fromStart = new ArrayList<>();
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db2);
                PreparedStatement q = reader.prepareStatement("SELECT count(*) FROM Books WHERE id = ?")) {
            for (int i = 0; i < rounds; i++) {
                int id = 5000 + i;
                long start = System.nanoTime();
                Sqlite3.run(db1, "INSERT INTO Books VALUES (" + id + ", 'Latency " + i + "', 'Test', 2024)");
                long committed = System.nanoTime();
                long deadline = committed + TimeUnit.SECONDS.toNanos(10);
                while (!present(q, id)) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("row " + id + " did not reach node 2 within 10 s");
                    }
                    Thread.sleep(0, 200_000);
                }
                long seen = System.nanoTime();
                fromExit.add(TimeUnit.NANOSECONDS.toMicros(seen - committed));
                fromStart.add(TimeUnit.NANOSECONDS.toMicros(seen - start));
            }
        }
        Collections.sort(fromExit);
        Collections.sort(fromStart);
        System.out.printf("sidecar commit-to-peer latency over %d inserts (ms): after sqlite3 exited p50 %.1f p90 %.1f"
                + " max %.1f; including the sqlite3 process p50 %.1f p90 %.1f max %.1f%n", rounds,
                ms(fromExit, 50), ms(fromExit, 90), ms(fromExit, 100), ms(fromStart, 50), ms(fromStart, 90),
                ms(fromStart, 100));
        assertTrue(ms(fromExit, 50) < 500, "median latency " + ms(fromExit, 50) + " ms; the engines alone poll every 1000 ms");
    }

    private static boolean present(PreparedStatement q, int id) throws Exception {
        q.setInt(1, id);
        try (ResultSet rs = q.executeQuery()) {
            return rs.next() && rs.getInt(1) == 1;
        }
    }

    private static double ms(List<Long> sortedMicros, int percentile) {
        int i = Math.min(sortedMicros.size() - 1, (int) Math.ceil(percentile / 100.0 * sortedMicros.size()) - 1);
        return sortedMicros.get(Math.max(0, i)) / 1000.0;
    }

    private void awaitRow(Path db, String line) throws Exception {
        Await.until(CONVERGE, db.getFileName() + " has " + line, () -> Sqlite3.books(db).lines().anyMatch(line::equals));
    }

    private void awaitConverged() throws Exception {
        Await.until(CONVERGE, "both databases hold the same books", () -> {
            String a = Sqlite3.books(db1);
            String b = Sqlite3.books(db2);
            return a.equals(b);
        });
    }
}
