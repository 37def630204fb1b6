package io.marmot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marmot.testing.Await;
import io.marmot.testing.Db;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A writer killed with SIGKILL mid-stream loses nothing whose commit returned, once it is restarted. */
class CrashRecoveryTest {
    @Test
    void everyCommittedRowReachesThePeerAfterKillNine() throws Exception {
        Cluster.inJvms(2, "", (cluster, writer, peer) -> {
            Path writerDb = cluster.db("a");
            Path peerDb = cluster.db("b");
            TreeSet<Long> committed = new TreeSet<>();
            writer.send("write 1 1000000");
            writer.expect(l -> l.equals("committed 2000"), 60);
            writer.kill();
            for (String line : writer.drain()) {
                if (line.startsWith("committed ")) {
                    committed.add(Long.parseLong(line.substring("committed ".length())));
                }
            }
            for (long id = 1; id <= 2000; id++) {
                committed.add(id);
            }
            long highest = committed.last();
            assertTrue(highest >= 2000, "the writer was killed while writing");

            cluster.process("a", 1); // the writer restarted on its database
            Await.until(Duration.ofSeconds(60), "every committed row on the peer",
                    () -> Db.count(peerDb, "SELECT count(*) FROM events WHERE id <= " + highest) == highest);
            // Rows are unique by key, so nothing was applied twice; and the peer has no row the writer lacks.
            Await.until(Duration.ofSeconds(30), "peer and restarted writer identical", () ->
                    Db.count(peerDb, "SELECT count(*) FROM events") == Db.count(writerDb, "SELECT count(*) FROM events"));
            assertEquals(Db.count(writerDb, "SELECT max(id) FROM events"), Db.count(peerDb, "SELECT max(id) FROM events"));
        });
    }
}
