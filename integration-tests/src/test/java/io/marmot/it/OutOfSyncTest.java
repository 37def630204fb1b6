package io.marmot.it;

import static io.marmot.it.Nodes.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.Marmot;
import io.marmot.engine.Engines;
import io.marmot.engine.MarmotEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose changes left the stream before it applied them says so and reports itself out of sync. */
class OutOfSyncTest {
    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void aPeerBehindTheRetainedLogIsOutOfSync() throws Exception {
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                Connection a = Nodes.open(dir.resolve("a.db"), 1, nats.url(), "max-log-entries=5")) {
            exec(a, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
            MarmotEngine engineA = Engines.running(dir.resolve("a.db").toRealPath());
            for (int i = 1; i <= 12; i++) {
                long before = engineA.stats().publishedMessages();
                exec(a, "INSERT INTO t VALUES (" + i + ")");
                Await.until(Duration.ofSeconds(20), "message " + i + " published", () -> engineA.stats().publishedMessages() > before);
            }
            try (Connection b = Nodes.open(dir.resolve("b.db"), 2, nats.url(), "max-log-entries=5")) {
                MarmotEngine engineB = Engines.running(dir.resolve("b.db").toRealPath());
                Await.until(Duration.ofSeconds(20), "b reports itself out of sync", () -> engineB.stats().outOfSync());
                assertTrue(engineB.stats().missedMessages() >= 7, "missed " + engineB.stats().missedMessages());
                assertTrue(!engineA.stats().outOfSync(), "the writer itself is in sync");
                assertTrue(engineA.health().ready(), "the writer is ready: " + engineA.health().problems());
                assertTrue(!engineB.health().ready());
                assertTrue(engineB.health().problems().get(0).startsWith("out of sync"), engineB.health().problems().toString());
            }
            Path b = dir.resolve("b.db");
            Marmot.close(b);
            assertEquals(1, Marmot.missedRanges(b).size(), "the missed range is stored with the database");
            assertTrue(Marmot.missedRanges(b).get(0).matches("marmot-changes-1-1 1\\.\\.\\d+: they left the stream.*"),
                    Marmot.missedRanges(b).toString());
            try (Connection again = Nodes.open(b, 2, nats.url(), "max-log-entries=5")) {
                MarmotEngine engineB = Marmot.engine(b).orElseThrow();
                assertTrue(engineB.stats().outOfSync() && !engineB.health().ready(), "still out of sync after a restart");
                assertEquals(1, Marmot.clearOutOfSync(b), "the operator says the node is healed");
                Await.until(Duration.ofSeconds(10), "b ready once cleared", () -> engineB.health().ready());
                assertEquals(List.of(), Marmot.missedRanges(b));
            }
        }
    }
}
