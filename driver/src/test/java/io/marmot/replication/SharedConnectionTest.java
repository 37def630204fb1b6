package io.marmot.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engines of one JVM on the same servers share one NATS connection; it closes with the last of them. */
class SharedConnectionTest {
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void manyDatabasesOneConnectionAndEachStillReplicates() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            List<Connection> nodes = new ArrayList<>();
            try {
                for (int n = 1; n <= 4; n++) {
                    Connection c = Db.node(dir.resolve("db" + n + ".db"), "node-id=" + n + "&nats-url=" + nats.url());
                    Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                    nodes.add(c);
                }
                assertEquals(1, NatsLink.openConnections(), "four engines, one connection");
                Db.exec(nodes.get(0), "INSERT INTO t VALUES (1, 'from node 1')");
                Db.exec(nodes.get(3), "INSERT INTO t VALUES (4, 'from node 4')");
                for (Connection c : nodes) {
                    Await.until(Duration.ofSeconds(20), "both rows everywhere", () -> Db.count(c, "SELECT count(*) FROM t") == 2);
                }
                Marmot.close(dir.resolve("db1.db"));
                assertEquals(1, NatsLink.openConnections(), "the others keep the connection");
                Db.exec(nodes.get(1), "INSERT INTO t VALUES (2, 'after node 1 stopped')");
                Await.until(Duration.ofSeconds(20), "the row on node 3",
                        () -> Db.count(nodes.get(2), "SELECT count(*) FROM t WHERE id = 2") == 1);
                Marmot.closeAll();
                assertEquals(0, NatsLink.openConnections(), "closed with the last engine");
            } finally {
                for (Connection c : nodes) {
                    c.close();
                }
            }
        }
    }
}
