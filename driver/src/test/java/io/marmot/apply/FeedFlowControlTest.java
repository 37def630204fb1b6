package io.marmot.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * A node that comes back to a backlog far larger than its feed buffer: the feed pauses when the buffer is full
 * and goes on from right after what it buffered, so every message is applied, none twice, none skipped.
 */
class FeedFlowControlTest {
    /** Rows of 4 KiB: four times the bytes a feed buffers before it pauses. */
    private static final int ROWS = (int) (4 * StreamFeeds.PAUSE_AT_BYTES / 4096);

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        Marmot.closeAll();
    }

    @Test
    void aBacklogLargerThanTheBufferArrivesWhole() throws Exception {
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            Path db1 = dir.resolve("one.db");
            Path db2 = dir.resolve("two.db");
            try (Connection one = Db.node(db1, "node-id=1&nats-url=" + nats.url())) {
                Db.exec(one, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                try (Connection two = Db.node(db2, "node-id=2&nats-url=" + nats.url())) {
                    Db.exec(two, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
                }
                Marmot.close(db2);
                one.setAutoCommit(false);
                try (PreparedStatement ps = one.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                    for (int i = 1; i <= ROWS; i++) {
                        ps.setInt(1, i);
                        ps.setString(2, i + " " + "x".repeat(4096));
                        ps.executeUpdate();
                        if (i % 100 == 0) {
                            one.commit();
                        }
                    }
                }
                one.commit();
                one.setAutoCommit(true);
                Await.until(Duration.ofSeconds(60), "everything published",
                        () -> Marmot.engine(db1).orElseThrow().stats().publishedChanges() >= ROWS);
                long pausesBefore = StreamFeeds.pauses();
                try (Connection two = Db.node(db2, "node-id=2&nats-url=" + nats.url())) {
                    Await.until(Duration.ofSeconds(120), "node 2 caught up",
                            () -> Db.count(two, "SELECT count(*) FROM t") == ROWS);
                    assertTrue(StreamFeeds.pauses() > pausesBefore, "the feed paused for its full buffer");
                    assertEquals(Db.list(one, "SELECT id, v FROM t ORDER BY id"), Db.list(two, "SELECT id, v FROM t ORDER BY id"));
                    assertEquals(0, Marmot.engine(db2).orElseThrow().stats().missedMessages(), "nothing recorded as missed");
                }
            }
        }
    }
}
