package io.marmot.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.replication.WorkPools;
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
                    Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
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
    void threadsDoNotGrowWithTheNumberOfDatabases() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            List<Connection> nodes = new ArrayList<>();
            try {
                for (int n = 1; n <= 2; n++) {
                    nodes.add(openReplicating(n, nats));
                }
                long withTwo = settledThreadCount();
                for (int n = 3; n <= 40; n++) {
                    nodes.add(openReplicating(n, nats));
                }
                for (int n = 0; n < nodes.size(); n += 13) {
                    Db.exec(nodes.get(n), "INSERT INTO t VALUES (" + (n + 1) + ", 'from node " + (n + 1) + "')");
                }
                for (Connection c : nodes) {
                    Await.until(Duration.ofSeconds(30), "every row on every node", () -> Db.count(c, "SELECT count(*) FROM t") == 4);
                }
                for (int n = 1; n <= nodes.size(); n++) {
                    Path db = dir.resolve("many" + n + ".db");
                    // verification ran: its digests compared, each node answering its peers' repair questions
                    Await.until(Duration.ofSeconds(60), "node " + n + " compared its data with a peer",
                            () -> Marmot.engine(db).orElseThrow().stats().peersAgreeing() > 0);
                }
                long withForty = settledThreadCount();
                System.out.println("SharedConnectionTest: " + withTwo + " threads with 2 databases, " + withForty
                        + " with 40 after verification ran: " + marmotThreads());
                // The shared pools may have grown to their size meanwhile; nothing else may.
                int pools = WorkPools.PUBLISH_THREADS + WorkPools.APPLY_THREADS + SharedConnection.ENGINE_THREADS;
                assertTrue(withForty - withTwo <= pools, "40 databases use " + withForty + " threads, 2 used " + withTwo
                        + ": " + marmotThreads());
                assertEquals(List.of(), marmotThreads().stream().filter(n -> n.matches("marmot-\\d+-.*")).toList(),
                        "no thread is any one database's");
                assertTrue(connectionExecutorThreads() <= 3, "one dispatcher delivers every feed: " + marmotThreads());
                Marmot.closeAll();
                assertEquals(0, NatsLink.openConnections());
            } finally {
                for (Connection c : nodes) {
                    c.close();
                }
            }
        }
    }

    private Connection openReplicating(int n, NatsServer nats) throws Exception {
        Connection c = Db.node(dir.resolve("many" + n + ".db"), "node-id=" + n + "&nats-url=" + nats.url()
                + "&verify-interval=1");
        Db.exec(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
        return c;
    }

    /** Every live thread of this JVM, once the count stopped moving (connecting and binding start some briefly). */
    private static long settledThreadCount() throws Exception {
        return Await.steady(Duration.ofSeconds(20), "the thread count settles",
                () -> Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).count(), c -> c > 0,
                Duration.ofMillis(300));
    }

    private static List<String> marmotThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("marmot-")).sorted().toList();
    }

    /** Threads of the newest NATS connection's executor (the client runs its dispatchers there). */
    private static long connectionExecutorThreads() {
        List<String> names = marmotThreads();
        int newest = names.stream().filter(n -> n.matches("marmot-nats-\\d+-reader-\\d+"))
                .mapToInt(n -> Integer.parseInt(n.split("-")[2])).max().orElse(-1);
        return names.stream().filter(n -> n.matches("marmot-nats-" + newest + "-\\d+")).count();
    }
}
