package io.marmot.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.NatsServer;
import io.marmot.testing.Sqlite3;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
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
    private NatsServer nats;
    private Path db1;
    private Path db2;
    private SidecarProcess node1;
    private SidecarProcess node2;

    @BeforeAll
    void startTwoSidecars() throws Exception {
        nats = NatsServer.start(dir.resolve("nats"));
        db1 = dir.resolve("marmot-1.db");
        db2 = dir.resolve("marmot-2.db");
        Sqlite3.query(db1, Books.SCHEMA);
        Sqlite3.query(db2, Books.SCHEMA);
        node1 = SidecarProcess.replicate(db1, 1, nats.url(), "--poll-interval", "1000");
        node2 = SidecarProcess.replicate(db2, 2, nats.url(), "--poll-interval", "1000");
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
        Sqlite3.query(db1, "INSERT INTO Books VALUES (101, 'Pride and Prejudice', 'Jane Austen', 1813)");
        Sqlite3.query(db1, "INSERT INTO Books VALUES (102, 'Emma', 'Jane Austen', 1815)");
        awaitRow(db2, "101|Pride and Prejudice|Jane Austen|1813");
        // the two inserts may go out in two polls: the update below must find row 102 there
        awaitRow(db2, "102|Emma|Jane Austen|1815");

        Sqlite3.query(db2, "INSERT INTO Books VALUES (201, 'Dracula', 'Bram Stoker', 1897);"
                + " UPDATE Books SET publication_year = 1816 WHERE id = 102");
        awaitConverged();
        assertTrue(Books.in(db1).contains("102|Emma|Jane Austen|1816"), Books.in(db1));
        assertTrue(Books.in(db1).contains("201|Dracula|Bram Stoker|1897"), Books.in(db1));

        Sqlite3.query(db1, "DELETE FROM Books WHERE id = 201; UPDATE Books SET title = 'Pride & Prejudice' WHERE id = 101");
        Sqlite3.query(db2, "BEGIN; INSERT INTO Books VALUES (202, 'Frankenstein', 'Mary Shelley', 1818);"
                + " INSERT INTO Books VALUES (203, 'Ivanhoe', 'Walter Scott', 1819); COMMIT");
        awaitConverged();
        assertEquals("101|Pride & Prejudice|Jane Austen|1813\n102|Emma|Jane Austen|1816\n"
                + "202|Frankenstein|Mary Shelley|1818\n203|Ivanhoe|Walter Scott|1819",
                Sqlite3.query(db1, "SELECT id, title, author, publication_year FROM Books WHERE id < 1000 ORDER BY id"));
    }

    /**
     * Single-row commits of the sqlite3 shell on node 1, one after another: each one reaches node 2's file (watched
     * with a plain SQLite reader). How fast is a figure for the benchmark, not a condition here.
     */
    @Test
    void everyCommitOfTheSqliteShellReachesThePeer() throws Exception {
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db2);
                PreparedStatement q = reader.prepareStatement("SELECT count(*) FROM Books WHERE id = ?")) {
            for (int i = 0; i < 20; i++) {
                int id = 5000 + i;
                Sqlite3.query(db1, "INSERT INTO Books VALUES (" + id + ", 'Commit " + i + "', 'Test', 2024)");
                Await.until(Duration.ofSeconds(10), "row " + id + " on node 2", () -> present(q, id));
            }
        }
        assertEquals(20, Integer.parseInt(Sqlite3.query(db2, "SELECT count(*) FROM Books WHERE id BETWEEN 5000 AND 5019")));
    }

    private static boolean present(PreparedStatement q, int id) throws Exception {
        q.setInt(1, id);
        try (ResultSet rs = q.executeQuery()) {
            return rs.next() && rs.getInt(1) == 1;
        }
    }

    private void awaitRow(Path db, String line) throws Exception {
        Await.until(CONVERGE, db.getFileName() + " has " + line, () -> Books.in(db).lines().anyMatch(line::equals));
    }

    private void awaitConverged() throws Exception {
        Await.until(CONVERGE, "both databases hold the same books", () -> {
            String a = Books.in(db1);
            String b = Books.in(db2);
            return a.equals(b);
        });
    }
}
