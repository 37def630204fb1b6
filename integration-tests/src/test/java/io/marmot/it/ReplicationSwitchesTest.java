package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** publish=false makes a read replica, replicate=false a node that only sends, tables= a selection. */
class ReplicationSwitchesTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void readReplicaAndWriteOnlyNodes() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection full = Nodes.open(dir.resolve("full.db"), 1, nats.url());
                Connection replica = Nodes.open(dir.resolve("replica.db"), 2, nats.url(), "publish=false");
                Connection sender = Nodes.open(dir.resolve("sender.db"), 3, nats.url(), "replicate=false");
                Connection picky = Nodes.open(dir.resolve("picky.db"), 4, nats.url(), "tables=wanted")) {
            for (Connection c : new Connection[] {full, replica, sender, picky}) {
                exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, origin TEXT)", "CREATE TABLE wanted (id INTEGER PRIMARY KEY)");
            }
            exec(full, "INSERT INTO t VALUES (1, 'full')", "INSERT INTO wanted VALUES (1)");
            exec(replica, "INSERT INTO t VALUES (2, 'replica')");
            exec(sender, "INSERT INTO t VALUES (3, 'sender')");
            exec(picky, "INSERT INTO t VALUES (4, 'picky')", "INSERT INTO wanted VALUES (4)");

            Await.until(Duration.ofSeconds(20), "full has what was published",
                    () -> scalar(full, "SELECT count(*) FROM t WHERE id IN (1, 3)") == 2
                            && scalar(full, "SELECT count(*) FROM wanted") == 2);
            Await.until(Duration.ofSeconds(20), "replica receives", () -> scalar(replica, "SELECT count(*) FROM t WHERE id IN (1, 3)") == 2);
            Await.until(Duration.ofSeconds(20), "picky receives its table", () -> scalar(picky, "SELECT count(*) FROM wanted") == 2);
            // Negative checks, after the positive ones proved messages flow to every node.
            exec(full, "INSERT INTO t VALUES (5, 'marker')");
            Await.until(Duration.ofSeconds(20), "marker on replica", () -> scalar(replica, "SELECT count(*) FROM t WHERE id = 5") == 1);
            assertEquals(0, scalar(full, "SELECT count(*) FROM t WHERE id IN (2, 4)"), "replica and picky's t stay local");
            assertEquals(0, scalar(sender, "SELECT count(*) FROM t WHERE id IN (1, 2, 4, 5)"), "sender applies nothing");
            assertEquals(0, scalar(picky, "SELECT count(*) FROM t WHERE id <> 4"), "picky ignores tables it does not replicate");
        }
    }
}
