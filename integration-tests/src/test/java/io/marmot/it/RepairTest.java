package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.replication.ReplicationStats;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.Sqlite3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Divergences the stream cannot explain are repaired by verification: every node ends with the same full content,
 * and the rows found, repaired (last-writer-wins decided) and settled (versions could not) are counted.
 */
class RepairTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final String TABLE = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)";

    @Test
    void writesWithTriggersOffAreRepairedOnEveryNode() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.run(3, "verify-interval=1", (cluster, a, b, c) -> {
            for (Node n : List.of(a, b, c)) {
                n.exec(TABLE);
            }
            a.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
                    + " INSERT INTO items SELECT i, 'item ' || i, i FROM n");
            awaitEqual(a, b, c);
            b.exec("UPDATE items SET qty = 7 WHERE id = 5"); // a column claim, to travel with its row
            Await.until(WITHIN, "the update everywhere", () -> Db.count(c.path(), "SELECT qty FROM items WHERE id = 5") == 7
                    && Db.count(a.path(), "SELECT qty FROM items WHERE id = 5") == 7);
            awaitEqual(a, b, c);

            Sqlite3.exec(b.path(), "UPDATE items SET name = 'changed behind capture' WHERE id = 2;"
                    + " INSERT INTO items VALUES (5000, 'inserted behind capture', 1);"
                    + " DELETE FROM items WHERE id = 2500;", "-cmd", ".dbconfig enable_trigger off");

            awaitEqual(a, b, c);
            assertEquals(1, Db.count(a.path(), "SELECT count(*) FROM items WHERE id = 5000"),
                    "a row nobody versioned is copied to every node");
            assertEquals(1, Db.count(a.path(), "SELECT count(*) FROM items WHERE id = 2500"),
                    "a row whose version says alive is put back");
            assertEquals(7, Db.count(a.path(), "SELECT qty FROM items WHERE id = 5"));
            long settled = 0;
            for (Node n : List.of(a, b, c)) {
                ReplicationStats s = n.engine().stats();
                settled += s.rowsSettled();
                assertEquals(0, s.rowsRepaired(), n + ": versions never decided here, content did: " + s);
            }
            assertTrue(settled >= 3, "the three rows were settled: " + settled);
        });
    }

    @Test
    void differentStartingContentsConverge() throws Exception {
        Cluster.with(0).run(cluster -> {
            try (Connection one = Db.plain(cluster.db("one")); Connection two = Db.plain(cluster.db("two"))) {
                for (Connection c : List.of(one, two)) {
                    Db.exec(c, TABLE, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                            + " INSERT INTO items SELECT i, 'item ' || i, i FROM n");
                }
                Db.exec(one, "UPDATE items SET name = 'one''s' WHERE id % 100 = 0", "DELETE FROM items WHERE id % 300 = 1",
                        "INSERT INTO items VALUES (9001, 'only on one', 1)");
                Db.exec(two, "UPDATE items SET qty = -1 WHERE id % 150 = 0", "INSERT INTO items VALUES (9002, 'only on two', 2)");
            }
            Node one = cluster.node("one", 1, "verify-interval=1");
            Node two = cluster.node("two", 2, "verify-interval=1");
            awaitEqual(one, two);
            assertEquals(2, Db.count(one.path(), "SELECT count(*) FROM items WHERE id > 9000"));
        });
    }

    @Test
    void aNodeRestoredFromAnOldCopyOfItsFileEndsEqual() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node a = cluster.node("a", 1, "verify-interval=1");
            Node b = cluster.node("b", 2, "verify-interval=1");
            fillAndAwaitEqual(a, b, 1000);
            Path old = cluster.dir().resolve("b-old.db");
            try (Connection c = Db.plain(b.path())) {
                Db.exec(c, "VACUUM INTO '" + old + "'");
            }
            b.exec("UPDATE items SET name = 'b wrote after the copy' WHERE id <= 50",
                    "INSERT INTO items VALUES (2001, 'b, after the copy', 1)", "DELETE FROM items WHERE id BETWEEN 900 AND 910");
            a.exec("UPDATE items SET qty = 0 WHERE id BETWEEN 40 AND 60");
            awaitEqual(a, b);
            String before = Db.dump(a.path());
            b.close();
            io.marmot.Marmot.close(b.path());
            for (String suffix : List.of("-wal", "-shm")) {
                Files.deleteIfExists(Path.of(b.path() + suffix));
            }
            Files.move(old, b.path(), StandardCopyOption.REPLACE_EXISTING);
            Node restored = cluster.node("b", 2, "verify-interval=1");
            awaitEqual(a, restored);
            assertEquals(before, Db.dump(restored.path()), "every write made after the copy is back");
            // The copy is another file than the one that published b's later changes (OwnHistory): it reads them
            // from the stream like a peer's, with a's 21 updates, before verification would need to repair them.
            assertTrue(restored.engine().stats().appliedChanges() + restored.engine().stats().rowsRepaired() >= 62 + 21,
                    "the 50 updates, the insert and the 11 deletes b made after the copy came back with their versions: "
                    + restored.engine().stats());
        });
    }

    /**
     * A node is away while its peer's changes are published, and the NATS store holding them is lost before it comes
     * back: the stream cannot bring them any more, verification does (the peer's versions decide, so they count as
     * repaired), and the nodes end equal.
     */
    @Test
    void messagesLostWithAWipedStoreWhileANodeWasAwayAreRepaired() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node a = cluster.node("a", 1, "verify-interval=1");
            Node b = cluster.node("b", 2, "verify-interval=1");
            fillAndAwaitEqual(a, b, 500);
            b.close();
            io.marmot.Marmot.close(b.path());
            long published = a.engine().stats().publishedChanges();
            a.exec("UPDATE items SET qty = qty + 1000 WHERE id <= 100",
                    "INSERT INTO items SELECT 3000 + id, 'while b was away', 1 FROM items WHERE id <= 10",
                    "DELETE FROM items WHERE id BETWEEN 400 AND 420");
            Await.value(WITHIN, "a published its changes", () -> a.engine().stats(),
                    st -> st.publishedChanges() >= published + 131);
            cluster.nats().stop();
            cluster.nats().wipeStore();
            cluster.nats().restart();

            Node back = cluster.node("b", 2, "verify-interval=1");
            awaitEqual(a, back);
            assertEquals(Db.dump(a.path()), Db.dump(back.path()));
            assertEquals(100, Db.count(back.path(), "SELECT count(*) FROM items WHERE qty > 1000"));
            assertTrue(back.engine().stats().rowsRepaired() >= 131, "the 100 updates, 10 inserts and 21 deletes came back"
                    + " through repair: " + back.engine().stats());
        });
    }

    /**
     * Rows larger than a NATS message may be (1 MiB here) travel in parts: one inserted and one updated with triggers
     * off on b, repaired onto a.
     */
    @Test
    void rowsLargerThanAMessageAreRepairedInParts() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.run(2, "verify-interval=1", (cluster, a, b) -> {
            for (Node n : List.of(a, b)) {
                n.exec("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB)");
            }
            a.exec("INSERT INTO blobs VALUES (1, zeroblob(10)), (2, zeroblob(10))");
            awaitEqual(a, b);
            Sqlite3.exec(b.path(), "INSERT INTO blobs VALUES (3, randomblob(1500000));"
                    + " UPDATE blobs SET data = randomblob(2500000) WHERE id = 2;", "-cmd", ".dbconfig enable_trigger off");
            awaitEqual(a, b);
            assertEquals(1, Db.count(a.path(), "SELECT count(*) FROM blobs WHERE id = 3 AND length(data) = 1500000"));
            long settled = a.engine().stats().rowsSettled() + b.engine().stats().rowsSettled();
            assertTrue(settled >= 2, "both rows were settled: " + settled);
        });
    }

    /**
     * Repair after the databases went quiet: a verification round that finds the WAL unwritten closes the digest's
     * connection, and the next repair (here, after a second write behind capture) must read through a new connection,
     * with new statements; the responders once kept statements of the closed one, answered errors, and the nodes
     * never converged.
     */
    @Test
    void divergenceFoundAfterTheDatabasesWentQuietIsRepaired() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.run(2, "verify-interval=1", (cluster, a, b) -> {
            fillAndAwaitEqual(a, b, 1000);
            Sqlite3.exec(b.path(), "UPDATE items SET name = 'first, behind capture' WHERE id IN (3, 300, 900);",
                    "-cmd", ".dbconfig enable_trigger off");
            awaitEqual(a, b); // the responders answered rows: they read versions through the digest's connection
            awaitQuiet(a, b);
            Sqlite3.exec(b.path(), "UPDATE items SET name = 'second, behind capture' WHERE id IN (5, 500, 950);"
                    + " INSERT INTO items VALUES (4000, 'inserted behind capture', 1);",
                    "-cmd", ".dbconfig enable_trigger off");
            awaitEqual(a, b);
            assertEquals(Db.dump(a.path()), Db.dump(b.path()));
            assertEquals(1, Db.count(a.path(), "SELECT count(*) FROM items WHERE id = 4000"),
                    "the row nobody versioned is copied over (the updated ones are settled by their hashes)");
        });
    }

    /**
     * Until every node's verification looked at its WAL well after its last write (a look finds it unchanged once it
     * is 2 s older than the look before): the round found the file quiet and let its connection go.
     */
    private static void awaitQuiet(Node... nodes) throws Exception {
        for (Node n : nodes) {
            Path wal = Path.of(n.path() + "-wal");
            Await.until(WITHIN, n + " verified after its WAL went quiet", () -> n.engine().stats().lastVerifiedMillis()
                    > Files.getLastModifiedTime(wal).toMillis() + 4_500);
        }
    }

    /**
     * Three nodes write conflicting changes (with short pauses, so comparisons find quiet moments at equal positions)
     * for 20 s, or {@code -Dmarmot.it.loadSeconds=N}: nothing is repaired, and the data is equal once writes stop.
     */
    @Test
    void conflictingWritesUnderLoadAreNeverRepaired() throws Exception {
        long seconds = Long.getLong("marmot.it.loadSeconds", 20);
        Cluster.run(3, "verify-interval=1", (cluster, a, b, c) -> {
            List<Node> nodes = List.of(a, b, c);
            for (Node n : nodes) {
                n.exec(Workload.SCHEMA.toArray(String[]::new));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<java.util.concurrent.Future<Long>> writers = new java.util.ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                for (int i = 0; i < 3; i++) {
                    Node n = nodes.get(i);
                    long seed = 7000 + i;
                    writers.add(pool.submit(() -> {
                        java.util.Random rnd = new java.util.Random(seed);
                        long rounds = 0;
                        try (Connection conn = n.open()) {
                            while (System.nanoTime() < deadline) {
                                Workload.chaos(conn, rnd, 1 + rnd.nextInt(5));
                                Thread.sleep(rnd.nextInt(40)); // pacing: bursts and gaps, as applications write
                                rounds++;
                            }
                        }
                        return rounds;
                    }));
                }
                for (java.util.concurrent.Future<Long> w : writers) {
                    assertTrue(w.get(seconds + 60, java.util.concurrent.TimeUnit.SECONDS) > 0);
                }
            } finally {
                pool.shutdownNow();
            }
            awaitEqual(a, b, c);
            for (Node n : nodes) {
                ReplicationStats s = n.engine().stats();
                assertEquals(0, s.rowsFoundDifferent(), n + " found rows to repair: " + s);
                assertEquals(0, s.rowsRepaired() + s.rowsSettled(), n + ": " + s);
            }
        });
    }

    /** The table on both nodes, {@code rows} rows written on the first, equal on both. */
    private static void fillAndAwaitEqual(Node a, Node b, int rows) throws Exception {
        for (Node n : List.of(a, b)) {
            n.exec(TABLE);
        }
        a.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + rows + ")"
                + " INSERT INTO items SELECT i, 'item ' || i, i FROM n");
        awaitEqual(a, b);
    }

    /** Every node agrees with every other one (a comparison needs a quiet moment at equal positions). */
    static void awaitAgreement(Node... nodes) throws Exception {
        for (Node n : nodes) {
            Await.until(WITHIN, n + " agrees with its peers",
                    () -> n.engine().stats().peersAgreeing() == nodes.length - 1 && n.engine().stats().divergences().isEmpty());
        }
    }

    /** Full content equal on every node, and every node says it agrees. */
    static void awaitEqual(Node... nodes) throws Exception {
        Await.until(WITHIN, "every node holds the same rows", () -> {
            String first = Db.dump(nodes[0].path());
            for (Node n : nodes) {
                if (!Db.dump(n.path()).equals(first)) {
                    return false;
                }
            }
            return true;
        });
        awaitAgreement(nodes);
    }
}
