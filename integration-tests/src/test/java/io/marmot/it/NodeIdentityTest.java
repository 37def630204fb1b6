package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node id belongs to one live node: copies take their own, and two databases claiming one id are caught. */
class NodeIdentityTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void aCopiedDatabaseWithoutNodeIdTakesAFreshIdentityAndConverges() throws Exception {
        copiedDatabaseConverges(null);
    }

    @Test
    void aCopiedDatabaseWithAnExplicitNodeIdConvergesWithoutFalseAlarms() throws Exception {
        copiedDatabaseConverges(3L);
    }

    private void copiedDatabaseConverges(Long explicitId) throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = DriverManager.getConnection("jdbc:marmot:sqlite:" + dir.resolve("a.db") + "?nats-url=" + nats.url())) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 1; i <= 20; i++) {
                exec(a, "INSERT INTO t VALUES (" + i + ", 'before the copy')");
            }
            long idA = Marmot.engine(dir.resolve("a.db")).orElseThrow().nodeId();
            Path copy = dir.resolve("copy.db");
            try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("a.db"));
                    Statement s = plain.createStatement()) {
                s.execute("VACUUM INTO '" + copy + "'"); // what sqlite3's .backup or a file copy also gives
            }
            String url = "jdbc:marmot:sqlite:" + copy + "?nats-url=" + nats.url() + (explicitId == null ? "" : "&node-id=" + explicitId);
            try (Connection c = DriverManager.getConnection(url)) {
                MarmotEngine engineC = Marmot.engine(copy).orElseThrow();
                assertNotEquals(idA, engineC.nodeId(), "the copy does not pose as its source");
                if (explicitId != null) {
                    assertEquals(explicitId, engineC.nodeId());
                }
                exec(a, "INSERT INTO t VALUES (21, 'written on the source after the copy')");
                exec(c, "INSERT INTO t VALUES (22, 'written on the copy')");
                Await.until(Duration.ofSeconds(20), "both rows on both nodes",
                        () -> scalar(a, "SELECT count(*) FROM t") == 22 && scalar(c, "SELECT count(*) FROM t") == 22);
                Await.until(Duration.ofSeconds(10), "both ready", () -> engineC.health().ready()
                        && Marmot.engine(dir.resolve("a.db")).orElseThrow().health().ready());
                assertFalse(engineC.stats().outOfSync(), "positions copied with the file raise no false alarm");
            }
            // Reopened at its own path the copy keeps the identity it took: it is not a copy of itself.
            try (Connection again = DriverManager.getConnection(url)) {
                assertNotEquals(idA, Marmot.engine(copy).orElseThrow().nodeId());
            }
        }
    }

    @Test
    void twoLiveDatabasesClaimingOneNodeIdAreCaught() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                NodeProcess first = new NodeProcess(dir.resolve("first.db"), 1, nats.url(), dir.resolve("first.log"));
                Connection observer = Nodes.open(dir.resolve("observer.db"), 2, nats.url())) {
            exec(observer, Workload.SCHEMA.toArray(String[]::new));
            first.send("sql INSERT INTO events VALUES (1, 'from the first node 1')");
            Await.until(Duration.ofSeconds(20), "the first node's row on the observer",
                    () -> scalar(observer, "SELECT count(*) FROM events") == 1);
            try (Connection second = Nodes.open(dir.resolve("second.db"), 1, nats.url())) {
                exec(second, Workload.SCHEMA.toArray(String[]::new));
                MarmotEngine engine = Marmot.engine(dir.resolve("second.db")).orElseThrow();
                Await.until(Duration.ofSeconds(20), "the second node 1 refuses",
                        () -> String.join("; ", engine.health().problems()).contains("in use"));
                String problem = String.join("; ", engine.health().problems());
                assertTrue(problem.contains("node id 1 is in use by another live node") && problem.contains("first.db")
                        && problem.contains("node-id"), problem);
                exec(second, "INSERT INTO events VALUES (2, 'from the second node 1')");

                first.close(); // a clean stop gives the id up
                Await.until(Duration.ofSeconds(20), "the second node 1 takes over and replicates",
                        () -> engine.health().ready() && scalar(observer, "SELECT count(*) FROM events") == 2);
                assertEquals(1, scalar(observer, "SELECT count(*) FROM events WHERE id = 2"));
            }
        }
    }
}
