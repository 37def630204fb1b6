package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.MarmotEngine;
import io.marmot.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node whose changes left the stream before it applied them says so and reports itself out of sync. */
class OutOfSyncTest {
    /** No snapshots (they would heal the gap, see SnapshotTest): the gap stays until the operator clears it. */
    private static final String PARAMS = "max-log-entries=5&snapshot-interval=0";

    @Test
    void aPeerBehindTheRetainedLogIsOutOfSync() throws Exception {
        Cluster.run(1, PARAMS, (cluster, a) -> {
            a.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            MarmotEngine engineA = a.engine();
            for (int i = 1; i <= 12; i++) {
                long before = engineA.stats().publishedMessages();
                a.exec("INSERT INTO t VALUES (" + i + ")");
                Await.until(Duration.ofSeconds(20), "message " + i + " published", () -> engineA.stats().publishedMessages() > before);
            }
            Node b = cluster.node("b", 2, PARAMS);
            MarmotEngine first = b.engine();
            Await.until(Duration.ofSeconds(20), "b reports itself out of sync", () -> first.stats().outOfSync());
            assertTrue(first.stats().missedMessages() >= 7, "missed " + first.stats().missedMessages());
            assertTrue(!engineA.stats().outOfSync(), "the writer itself is in sync");
            assertTrue(engineA.health().ready(), "the writer is ready: " + engineA.health().problems());
            assertTrue(!first.health().ready());
            assertTrue(first.health().problems().get(0).startsWith("out of sync"), first.health().problems().toString());
            b.close();

            Path bDb = b.path();
            Marmot.close(bDb);
            assertEquals(1, Marmot.missedRanges(bDb).size(), "the missed range is stored with the database");
            assertTrue(Marmot.missedRanges(bDb).get(0).matches("marmot-changes-1-1 1\\.\\.\\d+: they left the stream.*"),
                    Marmot.missedRanges(bDb).toString());
            Node again = cluster.node("b", 2, PARAMS);
            MarmotEngine engineB = again.engine();
            assertTrue(engineB.stats().outOfSync() && !engineB.health().ready(), "still out of sync after a restart");
            assertEquals(1, Marmot.clearOutOfSync(bDb), "the operator says the node is healed");
            // b never had table t: the messages it did receive wait parked, and it says so even once "healed".
            Await.until(Duration.ofSeconds(10), "only the parked messages left",
                    () -> engineB.health().problems().size() == 1
                            && engineB.health().problems().get(0).contains("wait in __marmot_parked"));
            again.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)");
            Await.until(Duration.ofSeconds(10), "b ready once cleared and its parked messages applied",
                    () -> engineB.health().ready());
            assertTrue(again.scalar("SELECT count(*) FROM t") >= 1, "the parked rows arrived");
            assertEquals(List.of(), Marmot.missedRanges(bDb));
        });
    }
}
