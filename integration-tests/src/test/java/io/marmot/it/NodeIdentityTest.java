package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node id belongs to one live node: copies take their own, and two databases claiming one id are caught. */
class NodeIdentityTest {
    @Test
    void aCopiedDatabaseWithoutNodeIdTakesAFreshIdentityAndConverges() throws Exception {
        copiedDatabaseConverges(0);
    }

    @Test
    void aCopiedDatabaseWithAnExplicitNodeIdConvergesWithoutFalseAlarms() throws Exception {
        copiedDatabaseConverges(3);
    }

    /** @param explicitId the copy's node-id, 0 for none */
    private void copiedDatabaseConverges(long explicitId) throws Exception {
        Cluster.with(0).run(cluster -> {
            Node a = cluster.node("a", 0, "");
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 1; i <= 20; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ", 'before the copy')");
            }
            long idA = a.engine().nodeId();
            Path copy = cluster.db("copy");
            try (Connection plain = Db.plain(a.path())) {
                Db.exec(plain, "VACUUM INTO '" + copy + "'"); // what sqlite3's .backup or a file copy also gives
            }
            Node c = cluster.node("copy", explicitId, "");
            MarmotEngine engineC = c.engine();
            assertNotEquals(idA, engineC.nodeId(), "the copy does not pose as its source");
            if (explicitId != 0) {
                assertEquals(explicitId, engineC.nodeId());
            }
            a.exec("INSERT INTO t VALUES (21, 'written on the source after the copy')");
            c.exec("INSERT INTO t VALUES (22, 'written on the copy')");
            Await.until(Duration.ofSeconds(20), "both rows on both nodes",
                    () -> a.scalar("SELECT count(*) FROM t") == 22 && c.scalar("SELECT count(*) FROM t") == 22);
            Await.until(Duration.ofSeconds(10), "both ready", () -> engineC.health().ready() && a.engine().health().ready());
            assertFalse(engineC.stats().outOfSync(), "positions copied with the file raise no false alarm");
            c.close();
            // Reopened at its own path the copy keeps the identity it took: it is not a copy of itself.
            try (Connection again = DriverManager.getConnection(c.url())) {
                assertNotEquals(idA, Marmot.engine(copy).orElseThrow().nodeId());
            }
        });
    }

    @Test
    void twoLiveDatabasesClaimingOneNodeIdAreCaught() throws Exception {
        Cluster.with(0).run(cluster -> {
            NodeProcess first = cluster.process("first", 1);
            Node observer = cluster.node("observer", 2, "");
            observer.exec(Workload.SCHEMA.toArray(String[]::new));
            first.send("sql INSERT INTO events VALUES (1, 'from the first node 1')");
            Await.until(Duration.ofSeconds(20), "the first node's row on the observer",
                    () -> observer.scalar("SELECT count(*) FROM events") == 1);
            Node second = cluster.node("second", 1, "");
            second.exec(Workload.SCHEMA.toArray(String[]::new));
            MarmotEngine engine = second.engine();
            Await.until(Duration.ofSeconds(20), "the second node 1 refuses",
                    () -> String.join("; ", engine.health().problems()).contains("in use"));
            String problem = String.join("; ", engine.health().problems());
            assertTrue(problem.contains("node id 1 is in use by another live node") && problem.contains("first.db")
                    && problem.contains("node-id"), problem);
            second.exec("INSERT INTO events VALUES (2, 'from the second node 1')");

            first.close(); // a clean stop gives the id up
            Await.until(Duration.ofSeconds(20), "the second node 1 takes over and replicates",
                    () -> engine.health().ready() && observer.scalar("SELECT count(*) FROM events") == 2);
            assertEquals(1, observer.scalar("SELECT count(*) FROM events WHERE id = 2"));
        });
    }
}
