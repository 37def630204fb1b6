package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** publish=false makes a read replica, replicate=false a node that only sends, tables= a selection. */
class ReplicationSwitchesTest {
    @Test
    void readReplicaAndWriteOnlyNodes() throws Exception {
        Cluster.with(4).params(2, "publish=false").params(3, "replicate=false").params(4, "tables=wanted").run(cluster -> {
            List<Node> nodes = cluster.nodes();
            Node full = nodes.get(0);
            Node replica = nodes.get(1);
            Node sender = nodes.get(2);
            Node picky = nodes.get(3);
            for (Node n : nodes) {
                n.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, origin TEXT)", "CREATE TABLE IF NOT EXISTS wanted (id INTEGER PRIMARY KEY)");
            }
            full.exec("INSERT INTO t VALUES (1, 'full')", "INSERT INTO wanted VALUES (1)");
            replica.exec("INSERT INTO t VALUES (2, 'replica')");
            sender.exec("INSERT INTO t VALUES (3, 'sender')");
            picky.exec("INSERT INTO t VALUES (4, 'picky')", "INSERT INTO wanted VALUES (4)");

            Await.until(Duration.ofSeconds(20), "full has what was published",
                    () -> full.scalar("SELECT count(*) FROM t WHERE id IN (1, 3)") == 2
                            && full.scalar("SELECT count(*) FROM wanted") == 2);
            Await.until(Duration.ofSeconds(20), "replica receives", () -> replica.scalar("SELECT count(*) FROM t WHERE id IN (1, 3)") == 2);
            Await.until(Duration.ofSeconds(20), "picky receives its table", () -> picky.scalar("SELECT count(*) FROM wanted") == 2);
            // Negative checks, after the positive ones proved messages flow to every node.
            full.exec("INSERT INTO t VALUES (5, 'marker')");
            Await.until(Duration.ofSeconds(20), "marker on replica", () -> replica.scalar("SELECT count(*) FROM t WHERE id = 5") == 1);
            assertEquals(0, full.scalar("SELECT count(*) FROM t WHERE id IN (2, 4)"), "replica and picky's t stay local");
            assertEquals(0, sender.scalar("SELECT count(*) FROM t WHERE id IN (1, 2, 4, 5)"), "sender applies nothing");
            assertEquals(0, picky.scalar("SELECT count(*) FROM t WHERE id <> 4"), "picky ignores tables it does not replicate");
        });
    }
}
