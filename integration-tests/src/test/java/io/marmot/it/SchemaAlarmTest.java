package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Nodes starting together create their tables seconds apart: that is no divergence, and no node warns of one (seen
 * on a fresh three-node cluster: "node(s) 3 have another schema", the empty schema of a node still creating its
 * tables). A schema that stays different (a drop that is not replicated) is warned of on both nodes, once it lasted.
 */
class SchemaAlarmTest {
    private static final String ALARM = "the cluster's schemas differ";

    @Test
    void aStartRaisesNoAlarmALastingDifferenceDoes() throws Exception {
        Cluster.with(0).run(cluster -> {
            NodeProcess a = cluster.starting("a", 1); // together, as a deployment's nodes start
            NodeProcess b = cluster.starting("b", 2);
            for (NodeProcess n : new NodeProcess[] {a, b}) {
                n.expect(l -> l.equals("ready"), 60);
            }
            Path aLog = cluster.dir().resolve("a.log");
            Path bLog = cluster.dir().resolve("b.log");
            Await.until(Duration.ofSeconds(60), "both nodes see the cluster's schemas agree",
                    () -> stats(a).contains("schemaAgrees=true") && stats(b).contains("schemaAgrees=true"));
            assertFalse(Files.readString(aLog).contains(ALARM), "no alarm on a while the nodes started: " + aLog);
            assertFalse(Files.readString(bLog).contains(ALARM), "no alarm on b while the nodes started: " + bLog);

            a.send("sql CREATE TABLE only_now (x)");
            a.expect(l -> l.equals("ok"), 10);
            Await.until(Duration.ofSeconds(60), "b has a's new table", () -> Db.count(cluster.db("b"),
                    "SELECT count(*) FROM sqlite_master WHERE name = 'only_now'") == 1);
            a.send("sql DROP TABLE only_now"); // stays on a: replicate-drops is off
            a.expect(l -> l.equals("ok"), 10);
            // Quiet nodes compare every minute; a difference seen is compared every 3 s and warned of after 15 s.
            Await.until(Duration.ofSeconds(120), "the lasting difference is warned of on both nodes",
                    () -> Files.readString(aLog).contains(ALARM) && Files.readString(bLog).contains(ALARM));
        });
    }

    private static String stats(NodeProcess n) throws Exception {
        n.send("stats");
        return n.expect(l -> l.startsWith("stats "), 20);
    }
}
