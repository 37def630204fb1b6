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

/** Changes spread over several streams (shards) and compressed messages converge like the defaults. */
class ShardsAndCompressionTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void threeNodesOnTwoShardsWithCompression() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"))) {
            Connection[] nodes = new Connection[3];
            try {
                for (int n = 0; n < 3; n++) {
                    nodes[n] = Nodes.open(dir.resolve("n" + n + ".db"), n + 1, nats.url(), "shards=2", "compress=true");
                    exec(nodes[n], "CREATE TABLE notes (id INTEGER PRIMARY KEY, author INTEGER, body TEXT)");
                }
                String body = "a long, repetitive body that compresses well ".repeat(40);
                for (int n = 0; n < 3; n++) {
                    nodes[n].setAutoCommit(false);
                    for (int i = 0; i < 50; i++) {
                        exec(nodes[n], "INSERT INTO notes VALUES (" + (n * 1000 + i) + ", " + (n + 1) + ", '" + body + "')");
                    }
                    nodes[n].commit();
                    nodes[n].setAutoCommit(true);
                }
                for (Connection c : nodes) {
                    Await.until(Duration.ofSeconds(30), "150 notes on every node", () -> scalar(c, "SELECT count(*) FROM notes") == 150);
                }
                for (Connection c : nodes) {
                    assertEquals(3, scalar(c, "SELECT count(DISTINCT author) FROM notes"));
                }
                try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url())) {
                    assertEquals(java.util.List.of("marmot-changes-2-1", "marmot-changes-2-2"),
                            nc.jetStreamManagement().getStreamNames().stream().filter(n -> !n.startsWith("KV_")).sorted().toList(),
                            "one stream per shard (beside the bucket of node-id claims)");
                }
            } finally {
                for (Connection c : nodes) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }
    }
}
