package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Rows a database held before marmot first ran there reach the other nodes, not only the rows written since. */
class PreexistingRowsTest {
    @Test
    void rowsWrittenBeforeCaptureWasInstalledAreReplicated() throws Exception {
        Cluster.with(0).run(cluster -> {
            try (Connection plain = Db.plain(cluster.db("legacy"))) {
                Db.exec(plain, "CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, balance REAL)",
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                                + " INSERT INTO customers SELECT i, 'customer ' || i, i * 0.5 FROM n");
            }
            Node peer = cluster.node("peer", 2, "");
            peer.exec("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, balance REAL)");
            Node legacy = cluster.node("legacy", 1, ""); // marmot's first start on this file
            Await.until(Duration.ofSeconds(60), "the 20,000 rows on the peer",
                    () -> peer.scalar("SELECT count(*) FROM customers") == 20_000);
            String checksum = "SELECT sum(id * 7 + balance * 3 + length(name)) FROM customers";
            assertEquals(Db.scalar(legacy.connection(), checksum), Db.scalar(peer.connection(), checksum));
            assertEquals(Db.dump(legacy.path()), Db.dump(peer.path()), "the same rows, value for value");
        });
    }
}
