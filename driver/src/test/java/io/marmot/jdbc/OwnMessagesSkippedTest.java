package io.marmot.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.fixture.TwoNodes;
import io.marmot.replication.ReplicationStats;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream delivers a node its own messages too; the applier passes over them unread (no decoding, no version
 * checks): counted, each node applied exactly the other's rows and messages, and met none of its own as stale.
 */
class OwnMessagesSkippedTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private TwoNodes nodes;

    @Test
    void aNodeAppliesOnlyThePeersMessages() throws Exception {
        nodes = TwoNodes.start(dir);
        try (TwoNodes started = nodes; Connection one = nodes.connect(1); Connection two = nodes.connect(2)) {
            Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            Await.until(WAIT, "the table on node 2", () -> Db.count(nodes.database(2),
                    "SELECT count(*) FROM sqlite_master WHERE name = 't'") == 1);
            for (int i = 1; i <= 20; i++) {
                Db.exec(one, "INSERT INTO t (id, v) VALUES (" + i + ", 'one')");
            }
            for (int i = 101; i <= 107; i++) {
                Db.exec(two, "INSERT INTO t (id, v) VALUES (" + i + ", 'two')");
            }
            for (int id = 1; id <= 2; id++) {
                Path db = nodes.database(id);
                Await.until(WAIT, "node " + id + " holds every row", () -> Db.count(db, "SELECT count(*) FROM t") == 27);
            }
            // Each node has read the whole stream, its own messages included, once both have published everything.
            // pendingChanges is refreshed at the publisher's prune (every second, 0 before the first): counted here
            // is what JetStream acknowledged, else a message still being acknowledged was left out of the total.
            Await.until(WAIT, "both nodes read the stream to its end", () -> {
                long total = stats(1).publishedMessages() + stats(2).publishedMessages();
                return stats(1).publishedChanges() == 20 && stats(2).publishedChanges() == 7
                        && Db.count(nodes.database(1), "SELECT coalesce(max(seq), 0) FROM __marmot_received") >= total
                        && Db.count(nodes.database(2), "SELECT coalesce(max(seq), 0) FROM __marmot_received") >= total;
            });
            assertEquals(7, stats(1).appliedChanges(), "node 1 applied node 2's rows, none of its own");
            assertEquals(20, stats(2).appliedChanges(), "node 2 applied node 1's rows, none of its own");
            assertEquals(0, stats(1).staleChanges() + stats(2).staleChanges(), "no node met its own rows again");
            assertEquals(stats(2).publishedMessages(), stats(1).appliedMessages(), "node 1 applied node 2's messages");
            assertEquals(Db.dump(nodes.database(1)), Db.dump(nodes.database(2)));
        }
    }

    private ReplicationStats stats(int id) throws Exception {
        MarmotEngine engine = Marmot.engine(nodes.database(id)).orElseThrow();
        return engine.stats();
    }
}
