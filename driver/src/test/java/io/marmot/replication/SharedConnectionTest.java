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

    @Test
    void onlyThePublisherAndApplierAreThreadsOfTheirOwnPerDatabase() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            List<Connection> nodes = new ArrayList<>();
            try {
                for (int n = 1; n <= 2; n++) {
                    nodes.add(openReplicating(n, nats));
                }
                long sharedWithTwo = sharedThreads();
                for (int n = 3; n <= 10; n++) {
                    nodes.add(openReplicating(n, nats));
                }
                Db.exec(nodes.get(9), "INSERT INTO t VALUES (10, 'from node 10')");
                Await.until(Duration.ofSeconds(20), "the row on node 1", () -> Db.count(nodes.get(0), "SELECT count(*) FROM t") == 1);
                assertEquals(sharedWithTwo, sharedThreads(), "the NATS connection's own threads and the schema timer do not grow with the databases");
                assertEquals(20, Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().matches("marmot-\\d+-(publisher|applier)")).count());
                Marmot.closeAll();
                assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.isAlive() && t.getName().matches("marmot-\\d+-(publisher|applier)")).count(),
                        "closeAll stopped every engine");
            } finally {
                for (Connection c : nodes) {
                    c.close();
                }
            }
        }
    }

    private Connection openReplicating(int n, NatsServer nats) throws Exception {
        Connection c = Db.node(dir.resolve("many" + n + ".db"), "node-id=" + n + "&nats-url=" + nats.url());
        Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        return c;
    }

    /**
     * Threads of this test's NATS connection (the newest one; the connection's pool threads, marmot-nats-N-M, are
     * left out: the client runs each feed's dispatch on one of them) and of the schema timer.
     */
    private static long sharedThreads() throws Exception {
        return Await.value(Duration.ofSeconds(10), "the thread count settles", SharedConnectionTest::countShared, c -> c > 0);
    }

    private static long countShared() {
        List<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
        int newest = names.stream().filter(n -> n.matches("marmot-nats-\\d+-reader-\\d+"))
                .mapToInt(n -> Integer.parseInt(n.split("-")[2])).max().orElse(-1);
        return names.stream().filter(n -> n.startsWith("marmot-schema-")
                || (n.startsWith("marmot-nats-" + newest + "-") && !n.matches("marmot-nats-\\d+-\\d+"))).count();
    }
}
