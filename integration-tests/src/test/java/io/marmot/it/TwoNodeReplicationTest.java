package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Inserts, updates and deletes flow both ways between two nodes. */
class TwoNodeReplicationTest {
    @Test
    void rowsFlowBothWays() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            String schema = "CREATE TABLE IF NOT EXISTS Books (id INTEGER PRIMARY KEY, title TEXT, year INTEGER)";
            a.exec(schema);
            b.exec(schema);
            a.exec("INSERT INTO Books VALUES (1, 'Pride and Prejudice', 1813)");
            Await.until(Duration.ofSeconds(10), "row on b", () -> b.scalar("SELECT count(*) FROM Books WHERE id = 1") == 1);
            b.exec("UPDATE Books SET year = 1814 WHERE id = 1");
            Await.until(Duration.ofSeconds(10), "update on a", () -> a.scalar("SELECT year FROM Books WHERE id = 1") == 1814);
            a.exec("DELETE FROM Books WHERE id = 1");
            Await.until(Duration.ofSeconds(10), "delete on b", () -> b.scalar("SELECT count(*) FROM Books") == 0);
            assertEquals(0, a.scalar("SELECT count(*) FROM Books"));
        });
    }

    @Test
    void writesAfterTheLogWasPrunedStillFlow() throws Exception {
        Cluster.run(2, "", (cluster, a, b) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            b.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            for (int round = 1; round <= 3; round++) {
                a.exec("INSERT INTO t VALUES (" + round + ")");
                int expected = round;
                Await.until(Duration.ofSeconds(10), "row " + round + " on b", () -> b.scalar("SELECT count(*) FROM t") == expected);
                // Published rows leave the log about once a second; the next write must not be mistaken for an old one.
                Await.until(Duration.ofSeconds(10), "log pruned", () -> a.scalar("SELECT count(*) FROM __marmot_log") <= 1
                        && a.scalar("SELECT published_seq FROM __marmot_state") >= a.scalar("SELECT max(seq) FROM __marmot_log"));
            }
        });
    }
}
