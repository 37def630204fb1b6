package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A receiving node killed with SIGKILL and restarted at once, again and again, while a peer commits as fast as it
 * can: every committed row arrives, nothing is skipped, the node does not call itself out of sync. Each crash
 * lands wherever it lands (mid-batch, mid-transaction, between apply and position). CI runs a few cycles;
 * {@code -Dmarmot.kill.cycles=20} runs the long version.
 */
class KillNineRestartTest {
    private static final int CYCLES = Integer.getInteger("marmot.kill.cycles", 4);

    @Test
    void aReceiverKilledRepeatedlyMissesNothing() throws Exception {
        Random rnd = new Random(42);
        Cluster.inJvms(1, "", (cluster, writer) -> {
            Path writerDb = cluster.db("a");
            Path receiverDb = cluster.db("receiver");
            writer.send("stream 1");
            writer.expect(l -> l.equals("streaming"), 10);
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                NodeProcess receiver = cluster.process("receiver", 2);
                // Its own writes too: its messages come back to it, and its log must survive the kills as well.
                receiver.send("sql INSERT INTO kv (k, v, n) VALUES (" + cycle + ", 'from the receiver', 0)");
                receiver.expect(l -> l.equals("ok"), 10);
                Thread.sleep(200 + rnd.nextInt(1500)); // the crash point is the variable under test
                receiver.kill();
            }
            writer.send("stop");
            long last = Long.parseLong(writer.expect(l -> l.startsWith("stopped "), 30).substring("stopped ".length()));
            assertTrue(last > 1000, "the writer kept committing during the crashes (" + last + " rows)");

            NodeProcess receiver = cluster.process("receiver", 2);
            Await.until(Duration.ofSeconds(90), "all " + last + " rows on the receiver",
                    () -> Db.count(receiverDb, "SELECT count(*) FROM events") == last);
            Await.until(Duration.ofSeconds(30), "the receiver's own rows on the writer",
                    () -> Db.count(writerDb, "SELECT count(*) FROM kv") == CYCLES);
            assertEquals(Db.dump(writerDb), Db.dump(receiverDb), "writer and receiver hold the same rows");
            receiver.send("stats");
            String stats = receiver.expect(l -> l.startsWith("stats "), 10);
            assertTrue(stats.contains("outOfSync=false") && stats.contains("missed=0"), stats);
        });
    }
}
