package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Nodes starting together create their tables seconds apart: that is no divergence, and no node warns of one (seen
 * on a fresh three-node cluster: "node(s) 3 have another schema", the empty schema of a node still creating its
 * tables). A schema that stays different (a drop that is not replicated) is warned of on both nodes, once it lasted.
 * A node's entry is written only when its schema changes, so it outlives a crash: it counts only while its node runs.
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
            // A change is compared again 10, 30 and 90 s after it (a's own compare may come before b applied its
            // change); a difference seen is compared every 3 s and warned of after 15 s.
            Await.until(Duration.ofSeconds(120), "the lasting difference is warned of on both nodes",
                    () -> Files.readString(aLog).contains(ALARM) && Files.readString(bLog).contains(ALARM));
        });
    }

    @Test
    void theEntryOfANodeThatNoLongerRunsRaisesNoAlarm() throws Exception {
        Cluster.run(1, "", (cluster, a) -> {
            a.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
            Await.until(Duration.ofSeconds(30), "a published its fingerprint",
                    () -> !a.engine().stats().schemaFingerprint().isEmpty());
            try (Connection nc = Nats.connect(cluster.url())) {
                // Node 999 crashed long ago: its entry and its claim are there, the claim's holder's liveness key lapsed.
                nc.keyValue("marmot-changes-claims").put("node-999", "instance-999 holder-999 elsewhere:/n999.db");
                nc.keyValue("marmot-changes-schemas").put("node-999", "the schema of a node gone");
                // Node 998 runs in another JVM: its claim names a holder whose liveness key is fresh.
                nc.keyValue("marmot-changes-claims").put("node-998", "instance-998 holder-998 elsewhere:/n998.db");
                nc.keyValue("marmot-live").put("live-holder-998", "alive");
                nc.keyValue("marmot-changes-schemas").put("node-998", "the schema of a running node");
            }
            a.exec("CREATE TABLE u (id INTEGER PRIMARY KEY)"); // a's schema changed: it compares within seconds
            Await.until(Duration.ofSeconds(30), "a reports the running node's other schema",
                    () -> a.engine().stats().schemaDisagreement().contains("998"));
            String disagreement = a.engine().stats().schemaDisagreement();
            assertEquals("node(s) 998", disagreement.substring(0, disagreement.indexOf(" have")),
                    "only the running node differs: " + disagreement);
        });
    }

    private static String stats(NodeProcess n) throws Exception {
        n.send("stats");
        return n.expect(l -> l.startsWith("stats "), 20);
    }
}
