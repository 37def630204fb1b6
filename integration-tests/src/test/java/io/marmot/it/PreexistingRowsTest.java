package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static io.marmot.it.Nodes.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows a database held before marmot first ran there reach the other nodes, not only the rows written since. */
class PreexistingRowsTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void rowsWrittenBeforeCaptureWasInstalledAreReplicated() throws Exception {
        Path legacy = dir.resolve("legacy.db");
        try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + legacy)) {
            exec(plain, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, balance REAL)",
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                            + " INSERT INTO customers SELECT i, 'customer ' || i, i * 0.5 FROM n");
        }
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection peer = Nodes.open(dir.resolve("peer.db"), 2, nats.url())) {
            exec(peer, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, balance REAL)");
            try (Connection a = Nodes.open(legacy, 1, nats.url())) { // marmot's first start on this file
                Await.until(Duration.ofSeconds(60), "the 20,000 rows on the peer",
                        () -> scalar(peer, "SELECT count(*) FROM customers") == 20_000);
                assertEquals(scalar(a, "SELECT sum(id * 7 + balance * 3 + length(name)) FROM customers"),
                        scalar(peer, "SELECT sum(id * 7 + balance * 3 + length(name)) FROM customers"));
            }
        }
    }
}
