package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receiving node killed with SIGKILL and restarted at once, again and again, while a peer commits as fast as it
 * can: every committed row arrives, nothing is skipped, the node does not call itself out of sync. Each crash
 * lands wherever it lands (mid-batch, mid-transaction, between apply and position). CI runs a few cycles;
 * {@code -Dmarmot.kill.cycles=20} runs the long version.
 */
class KillNineRestartTest {
    private static final int CYCLES = Integer.getInteger("marmot.kill.cycles", 4);

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aReceiverKilledRepeatedlyMissesNothing() throws Exception {
        Random rnd = new Random(42);
        Path receiverDb = dir.resolve("receiver.db");
        try (TestNats nats = TestNats.start(dir.resolve("nats"));
                NodeProcess writer = new NodeProcess(dir.resolve("writer.db"), 1, nats.url(), dir.resolve("writer.log"))) {
            writer.send("stream 1");
            writer.expect(l -> l.equals("streaming"), 10);
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                NodeProcess receiver = new NodeProcess(receiverDb, 2, nats.url(), dir.resolve("receiver-" + cycle + ".log"));
                // Its own writes too: its messages come back to it, and its log must survive the kills as well.
                receiver.send("sql INSERT INTO kv (k, v, n) VALUES (" + cycle + ", 'from the receiver', 0)");
                receiver.expect(l -> l.equals("ok"), 10);
                Thread.sleep(200 + rnd.nextInt(1500)); // the crash point is the variable under test
                receiver.kill();
            }
            writer.send("stop");
            long last = Long.parseLong(writer.expect(l -> l.startsWith("stopped "), 30).substring("stopped ".length()));
            assertTrue(last > 1000, "the writer kept committing during the crashes (" + last + " rows)");

            try (NodeProcess receiver = new NodeProcess(receiverDb, 2, nats.url(), dir.resolve("receiver-final.log"))) {
                Await.until(Duration.ofSeconds(90), "all " + last + " rows on the receiver",
                        () -> CrashRecoveryTest.count(receiverDb, "SELECT count(*) FROM events") == last);
                Await.until(Duration.ofSeconds(30), "the receiver's own rows on the writer",
                        () -> CrashRecoveryTest.count(dir.resolve("writer.db"), "SELECT count(*) FROM kv") == CYCLES);
                assertEquals(dump(dir.resolve("writer.db")), dump(receiverDb), "writer and receiver hold the same rows");
                receiver.send("stats");
                String stats = receiver.expect(l -> l.startsWith("stats "), 10);
                assertTrue(stats.contains("outOfSync=false") && stats.contains("missed=0"), stats);
            }
        }
    }

    static String dump(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            return Workload.dump(s);
        }
    }
}
