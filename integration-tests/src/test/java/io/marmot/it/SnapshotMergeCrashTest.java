package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kill -9 in the middle of healing by a snapshot: the slices merged so far are committed, the missed range is still
 * recorded, so the restarted node is still out of sync, merges again (what it already holds is passed over) and
 * ends equal to its peer.
 */
class SnapshotMergeCrashTest {
    private static final String PARAMS = "snapshot-interval=0&max-log-entries=20";
    private static final int ROWS = 100_000;

    @Test
    void killNineDuringAMergeLeavesANodeThatMergesAgainOnRestart() throws Exception {
        Cluster.run(1, PARAMS, (cluster, a) -> {
            a.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)");
            a.exec("INSERT INTO events VALUES (0, 'before b went away')");
            Path bDb = cluster.db("b");
            NodeProcess b = cluster.process("b", 2, PARAMS);
            Await.until(Duration.ofSeconds(30), "b has a's first row", () -> count(bDb) == 1);
            b.close();

            // b is away while a writes far past what the stream keeps, in transactions of 2,000 rows
            for (int from = 1; from <= ROWS; from += 2000) {
                long published = a.engine().stats().publishedMessages();
                a.exec("WITH RECURSIVE n(i) AS (SELECT " + from + " UNION ALL SELECT i + 1 FROM n WHERE i < "
                        + (from + 1999) + ") INSERT INTO events SELECT i, 'row ' || i || ' ' || hex(randomblob(20)) FROM n");
                // its own messages (the publisher packs a backlog into one), so the stream really drops the first ones
                Await.until(Duration.ofSeconds(30), "published", () -> a.engine().stats().publishedMessages() > published
                        && a.engine().stats().pendingChanges() == 0);
            }
            Await.until(Duration.ofSeconds(30), "a's position passed its own messages",
                    () -> a.scalar("SELECT max(seq) FROM __marmot_received") >= a.engine().stats().publishedMessages());
            Marmot.saveSnapshot(a.path());

            NodeProcess healing = cluster.process("b", 2, PARAMS);
            // The first half of the rows left the stream: only the merge brings them, in the order of their keys.
            long seen = Await.value(Duration.ofSeconds(60), "b part-way through the merge", () -> firstHalf(bDb),
                    n -> n > 0 && n < ROWS / 2);
            healing.kill();
            long kept = firstHalf(bDb);
            assertTrue(kept >= seen && kept < ROWS / 2, "the merged slices were committed: " + kept);
            assertTrue(Marmot.missedRanges(bDb).size() > 0, "still out of sync: the merge did not finish");

            NodeProcess again = cluster.process("b", 2, PARAMS);
            Await.until(Duration.ofSeconds(90), "b healed and equal to a",
                    () -> Marmot.missedRanges(bDb).isEmpty() && Db.dump(a.path()).equals(Db.dump(bDb)));
            assertEquals(ROWS + 1, count(bDb));
            assertEquals(List.of(), Marmot.missedRanges(bDb));
            again.close();
        });
    }

    private static long firstHalf(Path db) throws Exception {
        return Db.count(db, "SELECT count(*) FROM events WHERE id BETWEEN 1 AND " + ROWS / 2);
    }

    private static long count(Path db) throws Exception {
        return java.nio.file.Files.exists(db) ? Db.count(db, "SELECT count(*) FROM events") : 0;
    }
}
