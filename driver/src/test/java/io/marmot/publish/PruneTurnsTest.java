package io.marmot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marmot.Marmot;
import io.marmot.testing.Await;
import io.marmot.testing.Db;
import io.marmot.testing.NatsServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large commit's log is folded and pruned in turns, one after the other between the publisher's cycles, not one
 * turn a second: 200,000 rows need twenty turns or more, which a turn a second would stretch past 20 s (the whole of
 * it takes 2-3 s on a loaded 2-core machine).
 */
class PruneTurnsTest {
    private static final int ROWS = 200_000;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void aLargeCommitsLogIsPrunedTurnAfterTurn() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
                Connection c = Db.node(dir.resolve("one.db"), "node-id=1&nats-url=" + nats.url())) {
            Db.exec(c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, 'v')")) {
                for (int i = 1; i <= ROWS; i++) {
                    ps.setInt(1, i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
            var engine = Marmot.engine(dir.resolve("one.db")).orElseThrow();
            Await.until(Duration.ofSeconds(30), "everything published", () -> engine.stats().publishedChanges() >= ROWS);
            Await.until(Duration.ofSeconds(12), "the log pruned", () -> Db.count(c, "SELECT count(*) FROM __marmot_log") <= 1);
            assertEquals(ROWS, Db.count(c, "SELECT count(*) FROM t"));
        }
    }
}
