package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.replication.ReplicationStats;
import io.marmot.testing.Await;
import io.marmot.testing.Sqlite3;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Nodes compare digests of their data at the same stream positions: equal data is said to agree; a row changed
 * behind capture's back (the sqlite3 shell with triggers off) is found, named and reported on both nodes until
 * the data agrees again.
 */
class VerificationTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Test
    void aWriteThatBypassedCaptureIsFoundAndReportedOnBothNodes() throws Exception {
        Sqlite3.assumeInstalled();
        Cluster.run(2, "verify-interval=1&verify-repair=false", (cluster, a, b) -> {
            for (Node n : List.of(a, b)) {
                n.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)", "CREATE TABLE IF NOT EXISTS other (k TEXT PRIMARY KEY)");
            }
            a.exec("INSERT INTO items VALUES (1, 'pen'), (2, 'ink')", "INSERT INTO other VALUES ('x')");
            b.exec("INSERT INTO items VALUES (3, 'nib')");
            for (Node n : List.of(a, b)) {
                Await.until(WITHIN, n + " agrees with its peer", () -> n.engine().stats().peersAgreeing() == 1);
            }

            Sqlite3.exec(b.path(), "UPDATE items SET name = 'quill' WHERE id = 2;",
                    "-cmd", ".dbconfig enable_trigger off");
            for (Node n : List.of(a, b)) {
                Await.until(WITHIN, n + " reports the divergence", () -> n.engine().stats().peersDiffering() == 1);
                ReplicationStats s = n.engine().stats();
                assertEquals(1, s.divergences().size(), s.divergences().toString());
                assertTrue(s.divergences().get(0).contains("table items holds other rows"), s.divergences().toString());
                assertTrue(String.join("; ", n.engine().health().problems()).contains("table items"),
                        "not ready, and why: " + n.engine().health().problems());
            }
            assertEquals("ink", Sqlite3.query(a.path(), "SELECT name FROM items WHERE id = 2").trim(),
                    "nothing told a about it: only verification sees it");

            Sqlite3.exec(b.path(), "UPDATE items SET name = 'ink' WHERE id = 2;",
                    "-cmd", ".dbconfig enable_trigger off");
            for (Node n : List.of(a, b)) {
                Await.until(WITHIN, n + " agrees again", () -> n.engine().stats().peersAgreeing() == 1
                        && n.engine().stats().divergences().isEmpty() && n.engine().health().ready());
            }
        });
    }
}
