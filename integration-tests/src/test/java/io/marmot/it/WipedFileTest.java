package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node whose file is gone (a pod on an emptyDir volume) comes back with its {@code node-id} on an empty file: the
 * stream still holds the messages its earlier file published, which this file never held, so it reads them like
 * any other node's. Verification is off, so nothing else could bring those rows back.
 */
class WipedFileTest {
    private static final Duration WITHIN = Duration.ofSeconds(45);
    private static final String TABLE = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)";

    @Test
    void aNodeBackOnAnEmptyFileWithItsNodeIdReadsItsOwnEarlierChanges() throws Exception {
        Cluster.with(0).run(cluster -> {
            Node a = cluster.node("a", 1, "verify-interval=0");
            Node b = cluster.node("b", 2, "verify-interval=0");
            for (Node n : List.of(a, b)) {
                n.exec(TABLE);
            }
            a.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                    + " INSERT INTO items SELECT i, 'from a ' || i, i FROM n",
                    "UPDATE items SET qty = qty * 10 WHERE id <= 50", "DELETE FROM items WHERE id BETWEEN 290 AND 300");
            b.exec("INSERT INTO items VALUES (1000, 'from b', 1)");
            awaitEqual(a, b, 290);

            a.close();
            Marmot.close(a.path());
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(a.path() + suffix));
            }
            Node wiped = cluster.node("a", 1, "verify-interval=0");
            wiped.exec(TABLE); // the application's start-up, as on its first start
            awaitEqual(wiped, b, 290);
            assertEquals(500, wiped.scalar("SELECT qty FROM items WHERE id = 50"), "a's updates are back too");
            assertEquals(0, wiped.scalar("SELECT count(*) FROM items WHERE id BETWEEN 290 AND 300"), "and its deletes");
            wiped.exec("INSERT INTO items VALUES (2000, 'from a, after the wipe', 1)");
            awaitEqual(wiped, b, 291);
            Await.until(WITHIN, "the wiped node ready", () -> wiped.engine().health().ready());
        });
    }

    private static void awaitEqual(Node a, Node b, long rows) throws Exception {
        Await.until(WITHIN, "both nodes hold the same " + rows + " rows", () -> b.scalar("SELECT count(*) FROM items") == rows
                && Db.dump(a.path()).equals(Db.dump(b.path())));
    }
}
