package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Changes spread over several streams (shards) and compressed messages converge like the defaults. */
class ShardsAndCompressionTest {
    @Test
    void threeNodesOnTwoShardsWithCompression() throws Exception {
        Cluster.run(3, "shards=2&compress=true", (cluster, a, b, c) -> {
            List<Node> nodes = List.of(a, b, c);
            for (Node n : nodes) {
                n.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, author INTEGER, body TEXT)");
            }
            String body = "a long, repetitive body that compresses well ".repeat(40);
            for (int n = 0; n < 3; n++) {
                Node node = nodes.get(n);
                node.connection().setAutoCommit(false);
                for (int i = 0; i < 50; i++) {
                    node.exec("INSERT INTO notes VALUES (" + (n * 1000 + i) + ", " + (n + 1) + ", '" + body + "')");
                }
                node.connection().commit();
                node.connection().setAutoCommit(true);
            }
            for (Node n : nodes) {
                Await.until(Duration.ofSeconds(30), "150 notes on every node", () -> n.scalar("SELECT count(*) FROM notes") == 150);
            }
            for (Node n : nodes) {
                assertEquals(3, n.scalar("SELECT count(DISTINCT author) FROM notes"));
            }
            try (io.nats.client.Connection nc = io.nats.client.Nats.connect(cluster.url())) {
                assertEquals(List.of("marmot-changes-2-1", "marmot-changes-2-2"),
                        nc.jetStreamManagement().getStreamNames().stream().filter(n -> !n.startsWith("KV_")).sorted().toList(),
                        "one stream per shard (beside the bucket of node-id claims)");
            }
        });
    }
}
