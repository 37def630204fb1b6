package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** nats-server comes back with an empty store (wiped, replaced): nodes recreate the streams and go on replicating. */
class NatsStoreLostTest {
    @Test
    void replicationResumesOnAFreshServer() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            for (int i = 1; i <= 50; i++) {
                a.exec("INSERT INTO t VALUES (" + i + ")"); // 50 messages: b's position is well past 1
            }
            Await.until(Duration.ofSeconds(20), "first rows on b", () -> b.scalar("SELECT count(*) FROM t") == 50);

            cluster.nats().stop();
            cluster.nats().wipeStore();
            cluster.nats().restart();

            a.exec("INSERT INTO t VALUES (51)");
            b.exec("INSERT INTO t VALUES (52)");
            Await.until(Duration.ofSeconds(30), "new rows on both nodes", () -> b.scalar("SELECT count(*) FROM t") == 52
                    && a.scalar("SELECT count(*) FROM t") == 52);
            // The claims were lost with the store: until written again, a duplicate node id would go unseen. The first
            // try after the restart may find the bucket gone (it is created again by the next), which came a minute later.
            try (Connection nc = Nats.connect(cluster.url())) {
                Await.until(Duration.ofSeconds(20), "both nodes' claims written again in the new store", () -> {
                    try {
                        KeyValue kv = nc.keyValue("marmot-changes-claims");
                        return kv.get("node-" + a.id()) != null && kv.get("node-" + b.id()) != null;
                    } catch (IOException | JetStreamApiException notYet) {
                        return false;
                    }
                });
            }
        });
    }

    /**
     * A node frozen while the store was lost and a peer then wrote more than it had read before: the new stream is
     * recognised by its identity, not its sequence numbers, and read from its beginning, so nothing is skipped.
     */
    @Test
    void aNodeFrozenWhileTheStoreWasLostReadsTheNewStreamFromItsBeginning() throws Exception {
        Cluster.run(1, "", (cluster, a) -> {
            NodeProcess b = cluster.process("b", 2);
            Path bDb = cluster.db("b");
            a.exec(Workload.SCHEMA.toArray(String[]::new));
            insertEvents(a, 1, 50);
            Await.until(Duration.ofSeconds(20), "50 rows on b", () -> Db.count(bDb, "SELECT count(*) FROM events") == 50);

            b.pause();
            cluster.nats().stop();
            cluster.nats().wipeStore();
            cluster.nats().restart();
            insertEvents(a, 51, 150); // the new stream holds 100 messages: more than b's old position of 50
            Await.until(Duration.ofSeconds(30), "a published its rows to the new stream",
                    () -> a.engine().stats().publishedChanges() >= 150);
            b.resume();

            Await.until(Duration.ofSeconds(60), "all 150 rows on b", () -> Db.count(bDb, "SELECT count(*) FROM events") == 150);
            b.send("stats");
            String stats = b.expect(l -> l.startsWith("stats "), 10);
            assertTrue(stats.contains("outOfSync=false"), "b had read everything of the old stream: " + stats);
        });
    }

    private static void insertEvents(Node node, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            node.exec("INSERT INTO events VALUES (" + i + ", 'event " + i + "')");
        }
    }
}
